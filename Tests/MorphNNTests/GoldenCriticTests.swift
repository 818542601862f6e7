import MorphNN
import MorphTensor
import XCTest

/// The critic trunk of HomoInterpGAN at toy size, built from MorphNN modules.
private final class TinyCritic: Module {
  let trunk: Sequential
  let real: Conv2d
  var isTraining = true

  init(channels: Int, width: Int) {
    var rng = RandomGenerator(seed: 0)
    trunk = Sequential([
      Conv2d(channels, width, kernelSize: 1, rng: &rng), InstanceNorm2d(width, affine: true), LeakyReLU(0.2),
      Conv2d(width, width, kernelSize: 4, stride: 2, padding: 1, rng: &rng), InstanceNorm2d(width, affine: true),
      LeakyReLU(0.2), Conv2d(width, width, kernelSize: 2, rng: &rng),
    ])
    real = Conv2d(width, 1, kernelSize: 1, rng: &rng)
  }

  var localParameters: [(name: String, tensor: Tensor)] { [] }
  var children: [(name: String, module: any Module)] { [("trunk", trunk), ("real", real)] }
  func callAsFunction(_ x: Tensor) throws -> Tensor { try real(trunk(x)) }
}

final class GoldenCriticTests: XCTestCase {
  /// WGAN-GP critic loss mean(D(fake)) − mean(D(real)) + 100·(‖∂D(x̂)/∂x̂‖₂ − 1)², with the
  /// penalty differentiated through the recorded backward pass (double backward), against
  /// PyTorch's `autograd.grad(create_graph=True)`.
  func testGradientPenaltyParameterGradients() throws {
    let g = try Golden.load("critic.safetensors")
    let critic = TinyCritic(channels: 6, width: 8)
    try critic.load(stateDict: g.tensors.filter { !$0.key.hasPrefix("grad.") }, strict: false)
    let real = try g.tensor("real"), fake = try g.tensor("fake"), alpha = try g.tensor("alpha")

    let r = try critic(real), q = try critic(fake)
    Golden.assertClose(r, try g.tensor("real_out"), "D(real)")
    let mixed = (alpha * real + (1 - alpha) * fake).requiringGrad()
    let out = try critic(mixed)
    let inputGrad = try out.sum().gradients(wrt: [mixed], createGraph: true)[0]
    Golden.assertClose(inputGrad, try g.tensor("input_grad"), "∂D/∂x̂")
    let gp = (inputGrad.flatten(from: 1).norm(axes: [1]) - 1).square().mean() * 100
    let loss = (q - r).mean() + gp
    Golden.assertClose(gp.reshape([1]), try g.tensor("gp"), "gp")
    Golden.assertClose(loss.reshape([1]), try g.tensor("loss"), "loss")

    critic.zeroGrad()
    try loss.backward()
    for (name, p) in critic.namedParameters() {
      guard let grad = p.grad else { return XCTFail("no gradient for \(name)") }
      // Biases of convs followed by instance norm have an exact zero gradient (the norm removes
      // per-channel constants); float32 leaves ~1e-5 there against gradients of O(100), so
      // errors are measured against a floor of 1, not against the zero itself.
      Golden.assertClose(grad, try g.tensor("grad." + name), floor: 1, "grad \(name)")
    }
    XCTAssertEqual(critic.namedParameters().count, 12)
  }
}
