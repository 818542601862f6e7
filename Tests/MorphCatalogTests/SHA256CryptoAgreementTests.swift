import Crypto
import Foundation
import MorphCatalog
import XCTest

/// The hand-written SHA-256 and swift-crypto's agree on real files and on every tail length, so
/// replacing one with the other keeps every content hash, cache key and recorded artifact hash.
final class SHA256CryptoAgreementTests: XCTestCase {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  func testFilesHashTheSameWithBoth() throws {
    let files = [
      "Fixtures/faces/list_attr_celeba.txt", "Fixtures/faces/list_eval_partition.txt",
      "Fixtures/faces/list_landmarks_align_celeba.txt", "Fixtures/models/oracle.safetensors",
      "Fixtures/models/mtcnn.safetensors", "Fixtures/torch/builtins-eval.pth",
    ]
    for path in files {
      let url = Self.root.appendingPathComponent(path)
      let data = try Data(contentsOf: url)
      let crypto = Crypto.SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
      XCTAssertEqual(try MorphCatalog.SHA256.hex(fileAt: url), crypto, path)
      XCTAssertEqual(MorphCatalog.SHA256.hex(data), crypto, path)
    }
  }

  /// Every length from 0 to 200 bytes crosses each padding case (tail < 56, ≥ 56, whole blocks).
  func testEveryShortLengthHashesTheSameWithBoth() {
    for length in 0...200 {
      let bytes = Data((0..<length).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ 7) })
      let crypto = Crypto.SHA256.hash(data: bytes).map { String(format: "%02x", $0) }.joined()
      XCTAssertEqual(MorphCatalog.SHA256.hex(bytes), crypto, "length \(length)")
    }
  }

  /// Streaming through both in the same uneven pieces (as IngestStage and ContentCache do).
  func testStreamingHashesTheSameWithBoth() {
    let bytes = Data((0..<5000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    var old = MorphCatalog.SHA256()
    var new = Crypto.SHA256()
    var offset = 0
    for size in [1, 63, 64, 65, 7, 300, 500, 4000] {
      let end = min(bytes.count, offset + size)
      old.update(bytes.subdata(in: offset..<end))
      new.update(data: bytes.subdata(in: offset..<end))
      offset = end
    }
    XCTAssertEqual(old.finalize(), Array(new.finalize()))
  }
}
