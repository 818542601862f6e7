import Foundation
import MorphNN
import MorphTensor
import XCTest

/// Reads the checkpoints `scripts/make-torch-fixtures.py` saved with PyTorch 1.13 and compares
/// every tensor with the values PyTorch itself wrote to `expected.safetensors`.
final class TorchCheckpointTests: XCTestCase {
  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/torch")

  /// expected.json: each tensor's dtype and shape, and the leaves that are not tensors.
  struct Expected: Decodable {
    var dtypes: [String: String]
    var shapes: [String: [Int]]
    var other_leaves: [String: String]
  }

  func expected() throws -> (tensors: [String: Tensor], info: Expected) {
    let tensors = try Safetensors.read(Self.fixtures.appendingPathComponent("expected.safetensors")).tensors
    let json = try Data(contentsOf: Self.fixtures.appendingPathComponent("expected.json"))
    return (tensors, try JSONDecoder().decode(Expected.self, from: json))
  }

  /// Every tensor equals PyTorch's own Float32 conversion exactly, with its dtype and shape,
  /// and the non-tensor leaves come back as metadata.
  func assertMatchesExpected(_ name: String, format: TorchCheckpoint.Format, file: StaticString = #filePath, line: UInt = #line)
    throws
  {
    let contents = try TorchCheckpoint.load(Self.fixtures.appendingPathComponent(name))
    let (want, info) = try expected()
    XCTAssertEqual(contents.format, format, file: file, line: line)
    XCTAssertEqual(Set(contents.tensors.keys), Set(want.keys), file: file, line: line)
    XCTAssertGreaterThanOrEqual(want.count, 25, file: file, line: line)
    for (key, tensor) in want {
      guard let got = contents.tensors[key] else { continue }
      XCTAssertEqual(got.shape, info.shapes[key], "\(key)", file: file, line: line)
      XCTAssertEqual(got.shape, tensor.shape, "\(key)", file: file, line: line)
      XCTAssertEqual(got.scalars, tensor.scalars, "\(key) in \(name)", file: file, line: line)
      XCTAssertEqual(contents.dtypes[key]?.rawValue, info.dtypes[key], "\(key)", file: file, line: line)
    }
    XCTAssertEqual(Set(contents.metadata.keys), Set(info.other_leaves.keys), file: file, line: line)
    XCTAssertEqual(contents.metadata["epoch"], "7", file: file, line: line)
    XCTAssertEqual(contents.metadata["lr"], "0.5", file: file, line: line)
    XCTAssertEqual(contents.metadata["name"], "fixture", file: file, line: line)
    XCTAssertEqual(contents.metadata["flags.0"], "True", file: file, line: line)
    XCTAssertEqual(contents.metadata["flags.1"], "None", file: file, line: line)
  }

  func testZipFormatMatchesPyTorch() throws {
    try assertMatchesExpected("state-zip.pth", format: .zip)
  }

  func testZipFormatWithPickleProtocol4MatchesPyTorch() throws {
    try assertMatchesExpected("state-zip-p4.pth", format: .zip)
  }

  func testLegacyFormatMatchesPyTorch() throws {
    try assertMatchesExpected("state-legacy.pth", format: .legacy)
  }

  /// The views are applied, not just copied: checked against each other, independently of the
  /// expected file (a transpose, a column and a strided slice of shared storages).
  func testViewsShareTheirStorage() throws {
    for name in ["state-zip.pth", "state-legacy.pth"] {
      let t = try TorchCheckpoint.read(Self.fixtures.appendingPathComponent(name))
      let base = try XCTUnwrap(t["state_dict.linear.base"])
      let transposed = try XCTUnwrap(t["state_dict.linear.weight"])
      let column = try XCTUnwrap(t["state_dict.offset.column"])
      XCTAssertEqual(base.shape, [5, 6])
      XCTAssertEqual(transposed.shape, [6, 5])
      for i in 0..<5 {
        for j in 0..<6 { XCTAssertEqual(transposed.scalars[j * 5 + i], base.scalars[i * 6 + j]) }
        XCTAssertEqual(column.scalars[i], base.scalars[i * 6 + 2])
      }
      let block = try XCTUnwrap(t["state_dict.offset.block"])
      let strided = try XCTUnwrap(t["state_dict.offset.strided"])
      // line[10:30] and line[1::3] of one 40-element storage: line[10] is strided[3].
      XCTAssertEqual(block.shape, [4, 5])
      XCTAssertEqual(strided.shape, [13])
      XCTAssertEqual(block.scalars[0], strided.scalars[3])
      XCTAssertEqual(block.scalars[3], strided.scalars[4])
      let expanded = try XCTUnwrap(t["state_dict.expanded"])
      XCTAssertEqual(expanded.shape, [3, 4])
      for r in 0..<3 { XCTAssertEqual(Set(expanded.scalars[(r * 4)..<(r * 4 + 4)]).count, 1) }
      XCTAssertEqual(t["state_dict.scalar"]?.shape, [])
      XCTAssertEqual(t["state_dict.scalar"]?.scalars, [2.5])
      XCTAssertEqual(t["state_dict.empty"]?.shape, [0, 3])
      XCTAssertEqual(t["state_dict.long"]?.scalars, [-3, 0, 7, 1_099_511_627_776, -8_589_934_592, 12345])
      XCTAssertEqual(t["state_dict.uint8"]?.scalars, [0, 1, 128, 255])
      XCTAssertEqual(t["nested.inner.w"]?.scalars, [0, 1, 2, 3, 4, 5])
      // A module's state dict (an OrderedDict with _metadata set through BUILD).
      XCTAssertEqual(t["model.1.num_batches_tracked"]?.scalars, [0])
      XCTAssertEqual(t["model.0.weight"]?.shape, [4, 3, 3, 3])
    }
  }

  /// A legacy storage view (view_metadata, as PyTorch < 1.x wrote): a (2, 2) tensor with
  /// strides (1, 2) at offset 1 of a 6-element view at offset 3 of a 10-element storage.
  func testLegacyStorageView() throws {
    let t = try TorchCheckpoint.read(Self.fixtures.appendingPathComponent("legacy-storage-view.pth"))
    let want = try Safetensors.read(Self.fixtures.appendingPathComponent("legacy-storage-view.safetensors")).tensors
    XCTAssertEqual(t["w"]?.shape, [2, 2])
    XCTAssertEqual(t["w"]?.scalars, want["w"]?.scalars)
    // root[i] = 0.25 i − 1; the view starts at 3, the tensor at 4: [[4, 6], [5, 7]].
    XCTAssertEqual(t["w"]?.scalars, [0, 0.5, 0.25, 0.75])
  }

  /// A GPU storage (torch.cuda.FloatStorage at cuda:0, as old releases pickled it) is read to the CPU.
  func testCUDAStorageIsReadOnTheCPU() throws {
    let t = try TorchCheckpoint.load(Self.fixtures.appendingPathComponent("cuda-storage-legacy.pth"))
    XCTAssertEqual(t.tensors["w"]?.scalars, [1.5, -2, 0.125])
    XCTAssertEqual(t.dtypes["w"], .float32)
  }

  /// Tight limits turn into errors naming what overflowed, not allocations.
  func testLimitsAreEnforced() throws {
    let url = Self.fixtures.appendingPathComponent("state-zip.pth")
    var limits = TorchCheckpointLimits.standard
    limits.maxStringBytes = 8
    XCTAssertThrowsError(try TorchCheckpoint.read(url, limits: limits)) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains("state-zip.pth") && text.contains("string") && text.contains("limit of 8"), text)
    }
    // The legacy main pickle (under 3 KB) is followed by over 2 KB of storages: only the
    // pickle counts. Find the smallest limit that loads, by bisection.
    let legacy = Self.fixtures.appendingPathComponent("state-legacy.pth")
    let fileSize = try Data(contentsOf: legacy).count
    limits = .standard
    var (low, high) = (0, fileSize)  // low fails, high loads
    while high - low > 1 {
      limits.maxPickleBytes = (low + high) / 2
      if (try? TorchCheckpoint.read(legacy, limits: limits)) != nil { high = limits.maxPickleBytes } else { low = limits.maxPickleBytes }
    }
    XCTAssertLessThan(high, 3000)
    XCTAssertLessThan(high, fileSize - 2000)
    limits.maxPickleBytes = high - 1
    XCTAssertThrowsError(try TorchCheckpoint.read(legacy, limits: limits)) { error in
      XCTAssertTrue("\(error)".contains("pickle's size in bytes is \(high), over the limit of \(high - 1)"), "\(error)")
    }
    limits = .standard
    limits.maxStackDepth = 5
    XCTAssertThrowsError(try TorchCheckpoint.read(url, limits: limits)) { error in
      XCTAssertTrue("\(error)".contains("stack"), "\(error)")
    }
    limits = .standard
    limits.maxValues = 10
    XCTAssertThrowsError(try TorchCheckpoint.read(url, limits: limits)) { error in
      XCTAssertTrue("\(error)".contains("number of values"), "\(error)")
    }
    limits = .standard
    // The fixture's shared and stride-0 views (linear.weight, offset.column, half.t, expanded)
    // read 53 elements more than their storages hold,
    // but its slices leave more than that unread: in all, no more than is stored.
    limits.maxExpandedElements = 0
    XCTAssertEqual(try TorchCheckpoint.read(url, limits: limits).count, 28)
  }

  /// torch's writer always adds a zip64 end record; with the classic record's fields saturated
  /// (as in an archive past 4 GB or 65535 entries) the reader must take the values from it.
  func testZip64EndRecordIsFollowed() throws {
    var bytes = [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("state-zip.pth")))
    let eocd = bytes.count - 22
    XCTAssertEqual(Array(bytes[eocd..<(eocd + 4)]), [0x50, 0x4B, 0x05, 0x06])
    for i in [8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19] { bytes[eocd + i] = 0xFF }
    let saturated = try TorchCheckpoint.decode(Data(bytes), file: "zip64.pth")
    let plain = try TorchCheckpoint.read(Self.fixtures.appendingPathComponent("state-zip.pth"))
    XCTAssertEqual(saturated.tensors.count, 28)
    for (key, tensor) in plain { XCTAssertEqual(saturated.tensors[key]?.scalars, tensor.scalars, key) }
    // Without the zip64 record behind them, the saturated fields are an error, not a guess.
    let locator = eocd - 20
    bytes[locator] = 0
    XCTAssertThrowsError(try TorchCheckpoint.decode(Data(bytes), file: "zip64.pth")) { error in
      XCTAssertTrue("\(error)".contains("zip64.pth: bad zip archive") && "\(error)".contains("zip64 locator"), "\(error)")
    }
  }

  func testMissingFileIsUnreadable() {
    let url = Self.fixtures.appendingPathComponent("no-such.pth")
    XCTAssertThrowsError(try TorchCheckpoint.read(url)) { error in
      guard case TorchCheckpointError.unreadable(let file, _) = error else { return XCTFail("\(error)") }
      XCTAssertTrue(file.hasSuffix("no-such.pth"))
    }
  }
}
