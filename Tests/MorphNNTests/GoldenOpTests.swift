import MorphNN
import MorphTensor
import XCTest

/// Each op against PyTorch: output and the gradients of Σ r·y for every input.
final class GoldenOpTests: XCTestCase {
  var g: Safetensors.Contents!

  override func setUpWithError() throws { g = try Golden.load("ops.safetensors") }

  func t(_ key: String) throws -> Tensor { try g.tensor(key, file: "ops.safetensors") }

  /// Runs `f` on fresh leaves of the named inputs, compares y and each gradient.
  func check(_ name: String, _ inputs: [String], file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor) throws {
    try Golden.checkOp(g, in: "ops.safetensors", name, inputs, file: file, line: line, f)
  }

  func testConvolutions() throws {
    for (k, s, p) in [(1, 1, 0), (2, 1, 0), (3, 1, 1), (4, 2, 1), (3, 2, 1)] {
      try check("conv_k\(k)s\(s)p\(p)", ["x", "w", "b"]) { conv2d($0[0], $0[1], $0[2], stride: s, padding: p) }
    }
  }

  func testDilatedConvolutions() throws {
    for (k, s, p, d) in [(3, 1, 2, 2), (3, 2, 1, 2), (2, 1, 0, 3), (3, 1, 4, 4)] {
      try check("conv_k\(k)s\(s)p\(p)d\(d)", ["x", "w", "b"]) {
        conv2d($0[0], $0[1], $0[2], stride: s, padding: p, dilation: d)
      }
    }
  }

  func testPoolingAndUpsampling() throws {
    try check("maxpool", ["x"]) { $0[0].maxPool2() }
    try check("up_nearest", ["x"]) { $0[0].upsampleNearest() }
    try check("up_bilinear", ["x"]) { $0[0].upsampleBilinear2() }
  }

  func testNormalisations() throws {
    try check("instance_norm", ["x", "w", "b"]) { instanceNorm2d($0[0], weight: $0[1], bias: $0[2]) }
    let bn = BatchNorm2d(3)
    try check("batch_norm", ["x", "w", "b"]) {
      bn.weight.assign($0[1])
      bn.bias.assign($0[2])
      return batchNorm2dTraining($0[0], weight: $0[1], bias: $0[2]).output
    }
    // The layer's running statistics after one training step (momentum 0.1, unbiased var).
    let x = try t("batch_norm.x")
    _ = try bn(x)
    Golden.assertClose(bn.runningMean, try t("batch_norm.running_mean"), "running_mean")
    Golden.assertClose(bn.runningVar, try t("batch_norm.running_var"), "running_var")
  }

  func testActivationsLinearLosses() throws {
    try check("leaky_relu", ["x"]) { $0[0].leakyRelu(0.2) }
    try check("tanh", ["x"]) { $0[0].tanh() }
    try check("sigmoid", ["x"]) { $0[0].sigmoid() }
    try check("linear", ["x", "w", "b"]) { linear($0[0], $0[1], $0[2]) }
    let target = try t("mse.t"), labels = try t("bce.t")
    try check("mse", ["x"]) { mseLoss($0[0], target) }
    try check("l1", ["x"]) { l1Loss($0[0], target) }
    try check("bce", ["x"]) { bceWithLogitsLoss($0[0], labels) }
  }
}
