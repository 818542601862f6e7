import Foundation
import MorphCatalog
import XCTest

final class SHA256Tests: XCTestCase {
  // Known-answer vectors from FIPS 180-4 examples.
  func testKnownVectors() {
    XCTAssertEqual(SHA256.hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    XCTAssertEqual(SHA256.hex("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    XCTAssertEqual(
      SHA256.hex("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
  }

  func testStreamingInPiecesMatchesOneShot() {
    let bytes = Data((0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) })
    var digest = SHA256()
    var offset = 0
    for size in [1, 63, 64, 65, 7, 300, 500] {
      let end = min(bytes.count, offset + size)
      digest.update(bytes.subdata(in: offset..<end))
      offset = end
    }
    XCTAssertEqual(SHA256.hexStringForTests(digest.finalize()), SHA256.hex(bytes))
  }

  func testMillionAs() {
    XCTAssertEqual(
      SHA256.hex(String(repeating: "a", count: 1_000_000)),
      "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
  }
}

extension SHA256 {
  static func hexStringForTests(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
}
