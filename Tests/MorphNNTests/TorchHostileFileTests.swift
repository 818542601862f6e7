import Foundation
import MorphNN
import XCTest

/// Hostile and broken checkpoints (written by scripts/make-torch-fixtures.py, which checks that
/// the first two do run their command under a plain `pickle.load`) are refused with a message
/// naming the file and the reason, and nothing in them runs.
final class TorchHostileFileTests: XCTestCase {
  /// The file the hostile pickles would create if anything ran them.
  static let marker = "/tmp/morph-torch-fixture-hostile-pickle-ran"

  override func setUp() { try? FileManager.default.removeItem(atPath: Self.marker) }

  func assertRefused(
    _ name: String, saying reasons: [String], file: StaticString = #filePath, line: UInt = #line
  ) {
    let url = TorchCheckpointTests.fixtures.appendingPathComponent(name)
    XCTAssertTrue(FileManager.default.fileExists(atPath: url.path), "fixture \(name) missing", file: file, line: line)
    XCTAssertThrowsError(try TorchCheckpoint.read(url), file: file, line: line) { error in
      XCTAssertTrue(error is TorchCheckpointError, "\(error)", file: file, line: line)
      let text = "\(error)"
      XCTAssertTrue(text.contains(name), "message does not name the file: \(text)", file: file, line: line)
      for reason in reasons {
        XCTAssertTrue(text.contains(reason), "message lacks '\(reason)': \(text)", file: file, line: line)
      }
    }
    XCTAssertFalse(FileManager.default.fileExists(atPath: Self.marker), "a payload ran", file: file, line: line)
  }

  func testOSSystemIsRefusedAndNotRun() {
    assertRefused("os-system.pth", saying: ["'posix.system' is not allowed", "nothing in it was executed"])
  }

  func testBuiltinsEvalIsRefusedAndNotRun() {
    // Protocol 2 names builtins as Python 2 did.
    assertRefused("builtins-eval.pth", saying: ["'__builtin__.eval' is not allowed"])
  }

  func testUnknownGlobalIsRefused() {
    assertRefused("unknown-global.pth", saying: ["'argparse.Namespace' is not allowed"])
  }

  func testUnknownOpcodeIsRefused() {
    assertRefused("unknown-opcode.pth", saying: ["opcode EXT1 (0x82) is not allowed"])
  }

  func testTruncatedZipIsRefused() {
    assertRefused("truncated-zip.pth", saying: ["truncated"])
  }

  func testStorageShorterThanItsViewIsRefused() {
    assertRefused("short-storage.pth", saying: ["'w'", "reaches element 9", "has 4 elements"])
  }

  func testWrongMagicNumberIsRefused() {
    assertRefused("wrong-magic.pth", saying: ["not torch.save's magic number"])
  }

  /// 2^30 float32 elements (4 GiB) declared over 16 bytes: refused from the sizes alone.
  func testHugeDeclaredStorageIsRefusedBeforeAllocating() {
    assertRefused("huge-storage-zip.pth", saying: ["1073741824 float32 elements (4294967296 bytes)", "holds 16 bytes"])
    assertRefused("huge-storage-legacy.pth", saying: ["1073741824 float32 elements (4294967296 bytes)", "16 bytes left"])
  }

  func testOtherBytesAreNotACheckpoint() {
    XCTAssertThrowsError(try TorchCheckpoint.decode(Data("hello world".utf8), file: "greeting.pth")) { error in
      XCTAssertTrue("\(error)".contains("greeting.pth: not a torch.save checkpoint"), "\(error)")
    }
    XCTAssertThrowsError(try TorchCheckpoint.decode(Data(), file: "empty.pth"))
  }

  /// Every prefix and many single-byte corruptions of both formats either load or throw a
  /// `TorchCheckpointError`: no crash, no other error, whatever the bytes say.
  func testCorruptedFilesNeverCrash() throws {
    var generator = SplitMix(seed: 35)
    for name in ["state-legacy.pth", "state-zip.pth"] {
      let whole = try Data(contentsOf: TorchCheckpointTests.fixtures.appendingPathComponent(name))
      var refused = 0
      for length in stride(from: 0, to: whole.count, by: 13) {
        do { _ = try TorchCheckpoint.decode(whole.prefix(length), file: name) } catch is TorchCheckpointError {
          refused += 1
        }
      }
      XCTAssertEqual(refused, (whole.count + 12) / 13, "every strict prefix of \(name) is refused")
      for _ in 0..<400 {
        var bytes = [UInt8](whole)
        let at = Int(generator.next() % UInt64(bytes.count))
        bytes[at] = UInt8(truncatingIfNeeded: generator.next())
        do { _ = try TorchCheckpoint.decode(Data(bytes), file: name) } catch is TorchCheckpointError {}
      }
      // Extreme 8-byte values (Int.max, Int.min, −1, 2^31) over sizes, lengths and offsets.
      let extremes: [UInt64] = [UInt64(Int.max), UInt64(bitPattern: Int64.min), .max, 1 << 31]
      for _ in 0..<400 {
        var bytes = [UInt8](whole)
        let at = Int(generator.next() % UInt64(bytes.count - 8))
        let value = extremes[Int(generator.next() % 4)].littleEndian
        withUnsafeBytes(of: value) { for i in 0..<8 { bytes[at + i] = $0[i] } }
        do { _ = try TorchCheckpoint.decode(Data(bytes), file: name) } catch is TorchCheckpointError {}
      }
    }
  }
}

/// A small deterministic generator for the corruption test.
struct SplitMix {
  var state: UInt64
  init(seed: UInt64) { state = seed }
  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Pickles written byte by byte inside legacy streams, for shapes no fixture script needs.
final class TorchPickleBombTests: XCTestCase {
  /// A legacy stream (magic number, protocol 1001, empty sys info) around `main`, with no storages.
  func legacy(_ main: [UInt8], keys: [UInt8] = [0x80, 0x02, 0x5D, 0x2E], storages: [UInt8] = []) -> Data {
    let magic: [UInt8] = [0x80, 0x02, 0x8A, 0x0A, 0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19, 0x2E]
    let version: [UInt8] = [0x80, 0x02, 0x4D, 0xE9, 0x03, 0x2E]
    let info: [UInt8] = [0x80, 0x02, 0x7D, 0x2E]
    return Data(magic + version + info + main + keys + storages)
  }

  /// A tensor of `sizes` and `strides` over a one-float storage 'k' holding 1.5.
  func strided(_ sizes: [Int], _ strides: [Int]) -> Data {
    func text(_ s: String) -> [UInt8] { [0x58] + withUnsafeBytes(of: UInt32(s.utf8.count).littleEndian, Array.init) + Array(s.utf8) }
    func ints(_ values: [Int]) -> [UInt8] {  // MARK, LONG1 8-byte each, TUPLE
      [0x28] + values.flatMap { [0x8A, 0x08] + withUnsafeBytes(of: Int64($0).littleEndian, Array.init) } + [0x74]
    }
    var main: [UInt8] = [0x80, 0x02] + [0x63] + Array("torch._utils\n_rebuild_tensor_v2\n".utf8) + [0x28]
    main += [0x28] + text("storage") + [0x63] + Array("torch\nFloatStorage\n".utf8) + text("k") + text("cpu")
    main += [0x4B, 0x01, 0x4E, 0x74, 0x51]  // numel 1, no view; TUPLE; BINPERSID
    main += [0x4B, 0x00] + ints(sizes) + ints(strides)  // storage offset 0, size, stride
    main += [0x89, 0x7D, 0x74, 0x52, 0x2E]  // False, {}, TUPLE, REDUCE, STOP
    let keys: [UInt8] = [0x80, 0x02, 0x5D] + text("k") + [0x61, 0x2E]
    let storage = withUnsafeBytes(of: Int64(1).littleEndian, Array.init) + withUnsafeBytes(of: Float(1.5), Array.init)
    return legacy(main, keys: keys, storages: storage)
  }

  func expanded(_ count: Int) -> Data { strided([count], [0]) }

  /// A stride on an axis of size 1 is never used, whatever it says (Int.max here).
  func testHugeStrideOnASizeOneAxisIsHarmless() throws {
    let t = try TorchCheckpoint.decode(strided([1, 3, 1, 2], [Int.max, 0, Int.max, 0]), file: "strides.pth")
    XCTAssertEqual(t.tensors["tensor"]?.shape, [1, 3, 1, 2])
    XCTAssertEqual(t.tensors["tensor"]?.scalars, [Float](repeating: 1.5, count: 6))
    XCTAssertThrowsError(try TorchCheckpoint.decode(strided([2, 3], [Int.max, 0]), file: "strides.pth")) { error in
      XCTAssertTrue("\(error)".contains("reaches element \(Int.max)"), "\(error)")
    }
  }

  /// A stride-0 view may repeat a stored element, up to a bound: 4 bytes cannot claim 512 MiB.
  func testExpandedViewCannotClaimGigabytes() throws {
    let small = try TorchCheckpoint.decode(expanded(1000), file: "expanded.pth")
    XCTAssertEqual(small.tensors["tensor"]?.scalars, [Float](repeating: 1.5, count: 1000))
    for count in [1 << 27, Int.max] {
      XCTAssertThrowsError(try TorchCheckpoint.decode(expanded(count), file: "expanded.pth")) { error in
        XCTAssertTrue("\(error)".contains("expanded.pth") && "\(error)".contains("beyond the file's storages (at 'tensor')"), "\(error)")
      }
    }
  }

  /// 60 levels of `[prev, prev]` through the memo: 62 bytes of list per level, 2^60 paths.
  func testSharedListsCannotExplode() {
    var main: [UInt8] = [0x80, 0x02, 0x5D, 0x71, 0x00]  // EMPTY_LIST, BINPUT 0
    for level in 1...60 {
      // EMPTY_LIST, BINPUT level, MARK, BINGET level-1 twice, APPENDS
      main += [0x5D, 0x71, UInt8(level), 0x28, 0x68, UInt8(level - 1), 0x68, UInt8(level - 1), 0x65]
    }
    main += [0x2E]
    let start = Date()
    XCTAssertThrowsError(try TorchCheckpoint.decode(legacy(main), file: "bomb.pth")) { error in
      XCTAssertTrue("\(error)".contains("bomb.pth") && "\(error)".contains("number of values"), "\(error)")
    }
    XCTAssertLessThan(Date().timeIntervalSince(start), 10)
  }

  /// 1000 lists nested in each other (a recursion bomb for a naive walker).
  func testDeepNestingIsRefused() {
    var main: [UInt8] = [0x80, 0x02]
    for _ in 0..<1000 { main += [0x5D] }  // EMPTY_LIST × 1000
    for _ in 0..<999 { main += [0x61] }  // APPEND each into the one below
    main += [0x2E]
    XCTAssertThrowsError(try TorchCheckpoint.decode(legacy(main), file: "deep.pth")) { error in
      XCTAssertTrue("\(error)".contains("deep.pth") && "\(error)".contains("nesting"), "\(error)")
    }
  }

  /// A string longer than the bytes that follow is refused before anything is allocated.
  func testLyingStringLengthIsRefused() {
    let main: [UInt8] = [0x80, 0x02, 0x58, 0xFF, 0xFF, 0xFF, 0x7F, 0x61, 0x2E]  // BINUNICODE of 2 GiB
    XCTAssertThrowsError(try TorchCheckpoint.decode(legacy(main), file: "liar.pth")) { error in
      XCTAssertTrue("\(error)".contains("liar.pth") && "\(error)".contains("over the limit"), "\(error)")
    }
    var limits = TorchCheckpointLimits.standard
    limits.maxStringBytes = Int.max
    XCTAssertThrowsError(try TorchCheckpoint.decode(legacy(main), file: "liar.pth", limits: limits)) { error in
      XCTAssertTrue("\(error)".contains("truncated"), "\(error)")
    }
  }
}
