import Foundation
import MorphNN
import MorphTensor
import XCTest

/// Golden tensors written by `scripts/make-golden.py` (PyTorch, float64, stored as float32).
enum Golden {
  static let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Fixtures/golden")

  static func load(_ name: String) throws -> Safetensors.Contents {
    try Safetensors.read(folder.appendingPathComponent(name))
  }

  /// Asserts max|a − b| ≤ rtol · max(max|b|, floor): relative to the tensor's scale.
  static func assertClose(
    _ a: Tensor, _ b: Tensor, rtol: Float = 1e-4, floor: Float = 1e-2, _ what: String,
    file: StaticString = #filePath, line: UInt = #line
  ) {
    guard a.shape == b.shape else {
      XCTFail("\(what): shape \(a.shape) vs golden \(b.shape)", file: file, line: line)
      return
    }
    let scale = Swift.max(b.scalars.map { Swift.abs($0) }.max() ?? 0, floor)
    let err = zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? 0
    XCTAssertLessThanOrEqual(err / scale, rtol, "\(what): max error \(err) at scale \(scale)", file: file, line: line)
  }

  /// Runs `f` on fresh leaves of the named inputs of `name` in `contents`, and compares y and
  /// each gradient of Σ r·y with the golden ones (the layout `record` in
  /// scripts/golden_safetensors.py writes).
  static func checkOp(
    _ contents: Safetensors.Contents, in fileName: String, _ name: String, _ inputs: [String],
    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor
  ) throws {
    func t(_ key: String) throws -> Tensor { try contents.tensor(key, file: fileName) }
    let leaves = try inputs.map { try t("\(name).\($0)").detached().requiringGrad() }
    let y = f(leaves)
    assertClose(y, try t("\(name).y"), "\(name).y", file: file, line: line)
    let grads = try (y * t("\(name).r")).sum().gradients(wrt: leaves)
    for (i, n) in inputs.enumerated() {
      assertClose(grads[i], try t("\(name).g\(n)"), "\(name).g\(n)", file: file, line: line)
    }
  }
}
