import MorphNN
import MorphTensor
import XCTest

/// Inference fusion (conv + eval BatchNorm + ReLU in one convolution) gives the values of the
/// layer-by-layer composition.
final class FusedInferenceTests: XCTestCase {
  func testSequentialFusionMatchesComposition() throws {
    var rng = RandomGenerator(seed: 5)
    let bn = BatchNorm2d(6)
    let net = Sequential([
      Conv2d(3, 6, kernelSize: 3, padding: 1, rng: &rng), bn, ReLU(),
      Conv2d(6, 5, kernelSize: 3, stride: 2, padding: 1, rng: &rng), ReLU(),
      Conv2d(5, 4, kernelSize: 1, bias: false, rng: &rng), BatchNorm2d(4),
      Conv2d(4, 2, kernelSize: 3, padding: 1, rng: &rng),
    ])
    // Non-trivial statistics and affine parameters in every BatchNorm.
    _ = try net(Tensor.randn([4, 3, 8, 8], mean: 1, std: 2, rng: &rng))
    for case let n as BatchNorm2d in net.layers {
      n.weight.assign(Tensor.rand([n.weight.count], low: 0.5, high: 2, rng: &rng))
      n.bias.assign(Tensor.randn([n.bias.count], rng: &rng))
    }
    net.eval()
    let x = Tensor.randn([3, 3, 8, 8], rng: &rng)
    let fused = try withoutGrad { try net(x) }
    // In grad mode nothing is fused: each layer runs on its own.
    var composed = x
    for layer in net.layers { composed = try layer(composed) }
    XCTAssertEqual(fused.shape, composed.shape)
    for (a, b) in zip(fused.scalars, composed.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * (1 + Swift.abs(b))) }
    XCTAssertGreaterThan(composed.scalars.filter { $0 != 0 }.count, composed.count / 4)
  }

  func testFusedConvolutionMatchesComposition() throws {
    var rng = RandomGenerator(seed: 6)
    let x = Tensor.randn([2, 4, 7, 7], rng: &rng)
    let w = Tensor.randn([5, 4, 3, 3], rng: &rng), b = Tensor.randn([5], rng: &rng)
    for relu in [false, true] {
      let fused = withoutGrad { conv2dFused(x, w, bias: b, padding: 1, relu: relu) }
      let plain = conv2d(x, w, b, padding: 1)
      let expected = relu ? plain.relu() : plain
      for (p, q) in zip(fused.scalars, expected.scalars) { XCTAssertEqual(p, q, accuracy: 1e-5) }
    }
  }

  func testUpsampledConvolutionMatchesComposition() throws {
    var rng = RandomGenerator(seed: 7)
    // Odd and even sides, one-pixel images, more and fewer output channels, with and without
    // bias and ReLU: every phase and every border.
    for (n, cin, cout, h, w) in [(2, 3, 5, 4, 4), (1, 6, 2, 3, 5), (3, 1, 4, 1, 1), (2, 16, 16, 8, 8)] {
      let x = Tensor.randn([n, cin, h, w], rng: &rng)
      let weight = Tensor.randn([cout, cin, 3, 3], rng: &rng), bias = Tensor.randn([cout], rng: &rng)
      for (b, relu) in [(bias as Tensor?, false), (nil, true), (bias, true)] {
        let fused = withoutGrad { upsampleConv3x3(x, weight, b, relu: relu) }
        let plain = conv2d(x.upsampleNearest(factor: 2), weight, b, padding: 1)
        let expected = relu ? plain.relu() : plain
        XCTAssertEqual(fused.shape, [n, cout, 2 * h, 2 * w])
        for (p, q) in zip(fused.scalars, expected.scalars) {
          XCTAssertEqual(p, q, accuracy: 1e-4 * (1 + Swift.abs(q)), "\([n, cin, cout, h, w])")
        }
      }
    }
  }

  func testSequentialFusesUpsamplingIntoTheNextConvolution() throws {
    var rng = RandomGenerator(seed: 8)
    let net = Sequential([
      Conv2d(4, 6, kernelSize: 3, padding: 1, rng: &rng), BatchNorm2d(6), ReLU(), Upsample(),
      Conv2d(6, 5, kernelSize: 3, padding: 1, bias: false, rng: &rng), BatchNorm2d(5), ReLU(), Upsample(),
      Conv2d(5, 3, kernelSize: 3, padding: 1, rng: &rng),
      Upsample(), Conv2d(3, 2, kernelSize: 1, rng: &rng),  // 1×1 after upsampling: not fused
    ])
    _ = try net(Tensor.randn([4, 4, 4, 4], mean: 0.5, std: 2, rng: &rng))
    for case let bn as BatchNorm2d in net.layers {
      bn.weight.assign(Tensor.rand([bn.weight.count], low: 0.5, high: 2, rng: &rng))
      bn.bias.assign(Tensor.randn([bn.bias.count], rng: &rng))
    }
    net.eval()
    let x = Tensor.randn([2, 4, 4, 4], rng: &rng)
    let fused = try withoutGrad { try net(x) }
    var composed = x
    for layer in net.layers { composed = try layer(composed) }
    XCTAssertEqual(fused.shape, [2, 2, 32, 32])
    XCTAssertEqual(fused.shape, composed.shape)
    for (a, b) in zip(fused.scalars, composed.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * (1 + Swift.abs(b))) }
  }

  func testTrainingSequentialRunsUpsampledConvolutionsOnTheSmallImage() throws {
    var rng = RandomGenerator(seed: 9)
    let net = Sequential([
      Upsample(), Conv2d(3, 4, kernelSize: 3, padding: 1, rng: &rng), BatchNorm2d(4), ReLU(),
      Upsample(), Conv2d(4, 2, kernelSize: 3, padding: 1, bias: false, rng: &rng),
    ])
    net.train()
    let x = Tensor.randn([2, 3, 3, 3], rng: &rng)
    let r = Tensor.randn([2, 2, 12, 12], rng: &rng)
    func gradients(_ forward: () throws -> Tensor) throws -> (Tensor, [Tensor]) {
      for p in net.parameters { p.grad = nil }
      let y = try forward()
      try (y * r).sum().backward()
      return (y, net.parameters.map { $0.grad ?? .zeros($0.shape) })
    }
    let (fast, fastGrads) = try gradients { try net(x) }
    let (plain, plainGrads) = try gradients {
      var y = x
      for layer in net.layers { y = try layer(y) }
      return y
    }
    XCTAssertEqual(fast.shape, [2, 2, 12, 12])
    for (a, b) in zip(fast.scalars, plain.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * (1 + Swift.abs(b))) }
    for (ga, gb) in zip(fastGrads, plainGrads) {
      for (a, b) in zip(ga.scalars, gb.scalars) { XCTAssertEqual(a, b, accuracy: 1e-3 * (1 + Swift.abs(b))) }
    }
  }
}
