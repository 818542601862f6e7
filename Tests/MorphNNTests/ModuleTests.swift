import MorphNN
import MorphTensor
import XCTest

final class ModuleTests: XCTestCase {
  var rng = RandomGenerator(seed: 1)

  func testBatchNormTrainEval() throws {
    let bn = BatchNorm2d(2)
    let x = Tensor.randn([4, 2, 3, 3], mean: 3, std: 2, rng: &rng)
    let y = try bn(x)
    // Training output is normalised per channel.
    XCTAssertEqual(y.mean(axes: [0, 2, 3]).scalars[0], 0, accuracy: 1e-5)
    XCTAssertEqual(bn.runningMean.scalars[0], 0.1 * x.narrow(axis: 1, start: 0, length: 1).mean().item, accuracy: 1e-5)
    bn.eval()
    let z = try bn(x)
    // Eval uses running stats: (x − rm)/√(rv + eps).
    let rm = bn.runningMean.scalars[1], rv = bn.runningVar.scalars[1]
    XCTAssertEqual(z.scalars[9], (x.scalars[9] - rm) / (rv + 1e-5).squareRoot(), accuracy: 1e-5)
  }

  func testBadInputNamesShapes() {
    let conv = Conv2d(3, 4, kernelSize: 3, rng: &rng)
    XCTAssertThrowsError(try conv(Tensor.zeros([1, 2, 5, 5]))) {
      XCTAssert("\($0)".contains("[1, 2, 5, 5]"), "\($0)")
    }
  }

  func testAdamMatchesHandComputation() throws {
    // One Adam step with bias correction: m̂ = g, v̂ = g², so p −= lr·g/(|g| + eps) = lr·sign(g).
    let p = Tensor(shape: [2], scalars: [1, 2]).requiringGrad()
    let adam = Adam([("p", p)], learningRate: 0.1, betas: (0.5, 0.999))
    try (p * Tensor(shape: [2], scalars: [3, -4])).sum().backward()
    adam.step()
    XCTAssertEqual(p.scalars[0], 0.9, accuracy: 1e-6)
    XCTAssertEqual(p.scalars[1], 2.1, accuracy: 1e-6)
    // State round trip: a restored optimiser continues identically.
    let state = adam.state()
    let q = Tensor(shape: [2], scalars: p.scalars).requiringGrad()
    let adam2 = Adam([("p", q)], learningRate: 0.1, betas: (0.5, 0.999))
    try adam2.load(state: state)
    p.grad = Tensor(shape: [2], scalars: [1, 1])
    q.grad = Tensor(shape: [2], scalars: [1, 1])
    adam.step()
    adam2.step()
    XCTAssertEqual(p.scalars, q.scalars)
    XCTAssertThrowsError(try Adam([("other", q)]).load(state: state))
    // Reset: the next step is a first step again (bias-corrected m̂ = g, so lr·sign(g)),
    // whatever the moments had gathered.
    adam.reset()
    XCTAssertEqual(adam.stepCount, 0)
    let before = p.scalars
    p.grad = Tensor(shape: [2], scalars: [-0.001, 5])
    adam.step()
    XCTAssertEqual(p.scalars[0], before[0] + 0.1, accuracy: 1e-5)
    XCTAssertEqual(p.scalars[1], before[1] - 0.1, accuracy: 1e-5)
  }

  func testAdamSplitOverCoresMatchesHandComputation() throws {
    // 60 000 elements: the update is split over the cores. After two steps with gradients g
    // then −g/2: m = β1·(1−β1)·g − (1−β1)·g/2, v = β2·(1−β2)·g² + (1−β2)·g²/4.
    let n = 60_000
    let start = (0..<n).map { Float($0 % 97) / 97 - 0.5 }
    let g = (0..<n).map { Float(($0 * 31) % 101) / 50 - 1 }
    let p = Tensor(shape: [n], scalars: start).requiringGrad()
    let (lr, b1, b2, eps): (Float, Float, Float, Float) = (0.01, 0.5, 0.999, 1e-8)
    let adam = Adam([("p", p)], learningRate: lr, betas: (b1, b2), eps: eps)
    p.grad = Tensor(shape: [n], scalars: g)
    adam.step()
    p.grad = Tensor(shape: [n], scalars: g.map { -$0 / 2 })
    adam.step()
    for i in stride(from: 0, to: n, by: 7) + [n - 1] {
      let gi = Double(g[i])
      var expected = Double(start[i])
      // Step 1: m̂ = g, v̂ = g².
      expected -= Double(lr) * gi / (abs(gi) + Double(eps))
      let m = Double(b1) * (1 - Double(b1)) * gi - (1 - Double(b1)) * gi / 2
      let v = Double(b2) * (1 - Double(b2)) * gi * gi + (1 - Double(b2)) * gi * gi / 4
      let mHat = m / (1 - Double(b1 * b1)), vHat = v / (1 - Double(b2) * Double(b2))
      expected -= Double(lr) * mHat / (vHat.squareRoot() + Double(eps))
      XCTAssertEqual(Double(p.scalars[i]), expected, accuracy: 1e-5, "element \(i)")
    }
  }

  func testSGDWithMomentumTrainsLinearRegression() throws {
    // Fit y = 2x − 1 with a Linear(1, 1); loss must fall by orders of magnitude.
    let model = Linear(1, 1, rng: &rng)
    let sgd = SGD(model, learningRate: 0.1, momentum: 0.9)
    let x = Tensor(shape: [8, 1], scalars: (0..<8).map { Float($0) / 4 - 1 })
    let y = x * 2 - 1
    var first: Float = 0, last: Float = 0
    for i in 0..<100 {
      sgd.zeroGrad()
      let loss = mseLoss(try model(x), y)
      try loss.backward()
      sgd.step()
      if i == 0 { first = loss.item }
      last = loss.item
    }
    XCTAssertLessThan(last, first * 1e-3)
    XCTAssertEqual(model.weight.item, 2, accuracy: 1e-2)
  }

  func testGradAccumulatesAndNoGradKeepsNoTape() throws {
    let conv = Conv2d(1, 1, kernelSize: 1, rng: &rng)
    let x = Tensor.ones([1, 1, 2, 2])
    try (try conv(x)).sum().backward()
    try (try conv(x)).sum().backward()
    XCTAssertEqual(conv.bias?.grad?.item ?? 0, 8, accuracy: 1e-6)  // 2 calls × 4 pixels
    let y = try withoutGrad { try conv(x) }
    XCTAssertFalse(y.requiresGrad)
  }
}

final class ModuleNamingTests: XCTestCase {
  func testNestedNamesFollowPyTorch() throws {
    var rng = RandomGenerator(seed: 2)
    let heads = ModuleList([Conv2d(4, 2, kernelSize: 1, rng: &rng), Conv2d(4, 3, kernelSize: 1, bias: false, rng: &rng)])
    let net = Sequential([Conv2d(3, 4, kernelSize: 3, padding: 1, rng: &rng), InstanceNorm2d(4, affine: true), LeakyReLU(0.2)])
    final class Model: Module {
      let model: Sequential, heads: ModuleList
      var isTraining = true
      init(_ m: Sequential, _ h: ModuleList) { model = m; heads = h }
      var localParameters: [(name: String, tensor: Tensor)] { [] }
      var children: [(name: String, module: any Module)] { [("model", model), ("heads", heads)] }
    }
    let m = Model(net, heads)
    XCTAssertEqual(
      m.namedParameters().map(\.name),
      ["model.0.weight", "model.0.bias", "model.1.weight", "model.1.bias", "heads.0.weight", "heads.0.bias", "heads.1.weight"])
    m.eval()
    XCTAssertFalse(net.layers[1].isTraining)
    XCTAssertThrowsError(try MaxPool2d()(Tensor.zeros([1, 1, 1, 4])))
    let x = Tensor.ones([1, 3, 2, 2])
    XCTAssertEqual(try Upsample(mode: .bilinear)(x).shape, [1, 3, 4, 4])
    XCTAssertEqual(Tensor.stack([x, x]).shape, [2, 1, 3, 2, 2])
  }
}
