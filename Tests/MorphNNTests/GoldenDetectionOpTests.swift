import MorphNN
import MorphTensor
import XCTest

/// The face detector's ops against PyTorch (`scripts/make-golden-mtcnn.py`): outputs and the
/// gradients of Σ r·y, in no-grad mode too (the fused paths the detector runs).
final class GoldenDetectionOpTests: XCTestCase {
  var g: Safetensors.Contents!

  override func setUpWithError() throws { g = try Golden.load("mtcnn-ops.safetensors") }

  func t(_ key: String) throws -> Tensor { try g.tensor(key, file: "mtcnn-ops.safetensors") }

  func check(_ name: String, _ inputs: [String], file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) throws {
    try Golden.checkOp(g, in: "mtcnn-ops.safetensors", name, inputs, file: file, line: line, f)
    let plain = try inputs.map { try t("\(name).\($0)").detached() }
    Golden.assertClose(withoutGrad { f(plain) }, try t("\(name).y"), "\(name).y without a tape", file: file, line: line)
  }

  func testMaxPoolingCeilMode() throws {
    try check("maxpool3", ["x"]) { $0[0].maxPool2d(kernel: 3, stride: 2, ceilMode: true) }
    try check("maxpool2", ["x"]) { $0[0].maxPool2d(kernel: 2, stride: 2, ceilMode: true) }
  }

  func testPReLU() throws {
    try check("prelu4d", ["x", "a"]) { prelu($0[0], $0[1]) }
    try check("prelu2d", ["x", "a"]) { prelu($0[0], $0[1]) }
  }

  func testSoftmax() throws {
    try check("softmax", ["x"]) { $0[0].softmax(axis: 1) }
  }
}
