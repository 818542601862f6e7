import Foundation
import MorphNN
import MorphTensor
import XCTest

final class SafetensorsTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("morph-st-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

  func testRoundTripF32AndF16() throws {
    let t = Tensor(shape: [2, 3], scalars: [1, -2.5, 3.25, 0, 1e-3, 65504])
    let url = dir.appendingPathComponent("a.safetensors")
    try Safetensors.write(["w": t, "b": Tensor(shape: [1], scalars: [7])], to: url, metadata: ["format": "pt"])
    let back = try Safetensors.read(url)
    XCTAssertEqual(back.tensors["w"]?.scalars, t.scalars)
    XCTAssertEqual(back.tensors["w"]?.shape, [2, 3])
    XCTAssertEqual(back.metadata, ["format": "pt"])
    try Safetensors.write(["w": t], to: url, dtype: .f16)
    let half = try Safetensors.read(url).tensor("w")
    XCTAssertEqual(half.scalars[2], 3.25)
    XCTAssertEqual(half.scalars[4], 1e-3, accuracy: 1e-6)
    XCTAssertEqual(half.scalars[5], 65504)
    // Nothing left over from the atomic write.
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path), ["a.safetensors"])
  }

  func testReadsBF16() throws {
    // BF16 1.0 = 0x3F80, −2.0 = 0xC000 (top halves of the Float32 patterns).
    let header = #"{"x":{"dtype":"BF16","shape":[2],"data_offsets":[0,4]}}"#
    var data = Data()
    var n = UInt64(header.utf8.count).littleEndian
    withUnsafeBytes(of: &n) { data.append(contentsOf: $0) }
    data.append(contentsOf: Array(header.utf8))
    data.append(contentsOf: [0x80, 0x3F, 0x00, 0xC0])
    XCTAssertEqual(try Safetensors.decode(data, file: "x").tensors["x"]?.scalars, [1, -2])
  }

  /// A shape whose product overflows or exceeds the data is a header error, not a trap or an
  /// allocation sized by the file.
  func testShapeLargerThanTheDataIsRefused() throws {
    for shape in ["[4294967296, 4294967296]", "[1000000000000]", "[3, -1]"] {
      let header = Array(#"{"x":{"dtype":"F32","shape":\#(shape),"data_offsets":[0,4]}}"#.utf8)
      var data = Data()
      for i in 0..<8 { data.append(UInt8((UInt64(header.count) >> (8 * UInt64(i))) & 0xFF)) }
      data.append(contentsOf: header)
      data.append(contentsOf: [0, 0, 0, 0])
      XCTAssertThrowsError(try Safetensors.decode(data, file: "s"), shape) {
        guard case SafetensorsError.badHeader(let f, _) = $0 else { return XCTFail("\($0)") }
        XCTAssertEqual(f, "s")
      }
    }
  }

  func testClearErrors() throws {
    let url = dir.appendingPathComponent("b.safetensors")
    try Safetensors.write(["w": Tensor.ones([4, 4])], to: url)
    let full = try Data(contentsOf: url)
    XCTAssertThrowsError(try Safetensors.decode(full.prefix(full.count - 3), file: "b")) {
      guard case SafetensorsError.truncated(let f, _, _) = $0 else { return XCTFail("\($0)") }
      XCTAssertEqual(f, "b")
    }
    XCTAssertThrowsError(try Safetensors.decode(full.prefix(5), file: "b")) {
      guard case SafetensorsError.truncated = $0 else { return XCTFail("\($0)") }
    }
    var bad = full
    bad[8] = UInt8(ascii: "!")
    XCTAssertThrowsError(try Safetensors.decode(bad, file: "b")) {
      guard case SafetensorsError.badHeader = $0 else { return XCTFail("\($0)") }
    }
    let conv = Sequential([Conv2d(2, 3, kernelSize: 3, rng: &rng)])
    XCTAssertThrowsError(try conv.load(from: url)) {
      XCTAssertEqual($0 as? SafetensorsError, .missingKey(file: url.path, key: "0.weight"))
    }
    try Safetensors.write(["0.weight": Tensor.ones([3, 2, 1, 1]), "0.bias": Tensor.ones([3])], to: url)
    XCTAssertThrowsError(try conv.load(from: url)) {
      XCTAssertEqual($0 as? SafetensorsError, .shapeMismatch(file: url.path, key: "0.weight", expected: [3, 2, 3, 3], found: [3, 2, 1, 1]))
      XCTAssert("\($0)".contains("[3, 2, 1, 1]") && "\($0)".contains("[3, 2, 3, 3]"))
    }
  }

  var rng = RandomGenerator(seed: 3)

  func testModuleCheckpointRoundTrip() throws {
    let a = Sequential([Conv2d(2, 3, kernelSize: 3, padding: 1, rng: &rng), BatchNorm2d(3), ReLU()])
    let b = Sequential([Conv2d(2, 3, kernelSize: 3, padding: 1, rng: &rng), BatchNorm2d(3), ReLU()])
    XCTAssertEqual(a.namedParameters().map(\.name), ["0.weight", "0.bias", "1.weight", "1.bias"])
    XCTAssertEqual(a.namedBuffers().map(\.name), ["1.running_mean", "1.running_var"])
    _ = try a(Tensor.randn([2, 2, 4, 4], rng: &rng))  // moves running stats
    let url = dir.appendingPathComponent("m.safetensors")
    try a.save(to: url)
    try b.load(from: url)
    for (x, y) in zip(a.namedParameters() + a.namedBuffers(), b.namedParameters() + b.namedBuffers()) {
      XCTAssertEqual(x.tensor.scalars, y.tensor.scalars, x.name)
    }
  }
}
