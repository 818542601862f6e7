import MorphTensor
import XCTest

final class NNOpGradTests: XCTestCase {
  func testConvValuesHandDerived() {
    // 1×1×3×3 input 1…9, 2×2 kernel of ones, stride 1: each output sums a 2×2 window.
    let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
    let w = Tensor.ones([1, 1, 2, 2])
    XCTAssertEqual(conv2d(x, w).scalars, [12, 16, 24, 28])
    // Padding 1, stride 2: windows at (−1,−1), (−1,1), (1,−1), (1,1).
    XCTAssertEqual(conv2d(x, w, stride: 2, padding: 1).scalars, [1, 5, 11, 28])
  }

  func testConvGradients() throws {
    let configs: [(k: Int, s: Int, p: Int, h: Int)] = [
      (1, 1, 0, 3), (2, 1, 0, 4), (3, 1, 1, 4), (4, 2, 1, 6), (3, 2, 1, 5), (3, 1, 2, 3), (2, 2, 1, 3), (1, 2, 0, 5),
    ]
    for (i, c) in configs.enumerated() {
      let x = GradCheck.random([2, 2, c.h, c.h], seed: UInt64(30 + i))
      let w = GradCheck.random([3, 2, c.k, c.k], seed: UInt64(40 + i), scale: 0.5)
      let b = GradCheck.random([3], seed: UInt64(50 + i))
      try GradCheck.check([x, w, b]) { GradCheck.weighted(conv2d($0[0], $0[1], $0[2], stride: c.s, padding: c.p)) }
    }
  }

  func testConvSecondOrder() throws {
    // The critic's convolutions: 1×1, 4×4 stride 2 pad 1, 2×2; the loss is quadratic so the
    // second derivative of a bilinear op is exercised in both arguments.
    let configs: [(k: Int, s: Int, p: Int, h: Int)] = [(1, 1, 0, 3), (4, 2, 1, 4), (2, 1, 0, 2)]
    for (i, c) in configs.enumerated() {
      let x = GradCheck.random([2, 2, c.h, c.h], seed: UInt64(60 + i))
      let w = GradCheck.random([2, 2, c.k, c.k], seed: UInt64(70 + i), scale: 0.5)
      try GradCheck.checkSecondOrder([x, w]) { GradCheck.weighted(conv2d($0[0], $0[1], stride: c.s, padding: c.p).square()) }
      try GradCheck.checkSecondOrder([w, x]) { GradCheck.weighted(conv2d($0[1], $0[0], stride: c.s, padding: c.p).square()) }
    }
  }

  func testDilatedConvValuesHandDerived() {
    // 1×1×3×3 input 1…9, 2×2 kernel of ones with dilation 2: the one window reads the corners.
    let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
    XCTAssertEqual(conv2d(x, Tensor.ones([1, 1, 2, 2]), dilation: 2).scalars, [1 + 3 + 7 + 9])
    // 3×3 kernel, dilation 2, padding 2 keeps the size. The centre's taps are rows/columns
    // −1, 1, 3: only (1,1) is inside. Output (0,0)'s are −2, 0, 2: the four corners.
    let y = conv2d(x, Tensor.ones([1, 1, 3, 3]), padding: 2, dilation: 2)
    XCTAssertEqual(y.shape, [1, 1, 3, 3])
    XCTAssertEqual(y.scalars[4], 5)
    XCTAssertEqual(y.scalars[0], 1 + 3 + 7 + 9)
  }

  func testDilatedConvGradients() throws {
    let configs: [(k: Int, s: Int, p: Int, d: Int, h: Int)] = [
      (3, 1, 2, 2, 5), (3, 2, 1, 2, 6), (2, 1, 0, 3, 5), (3, 1, 4, 4, 4), (3, 1, 1, 2, 4),
    ]
    for (i, c) in configs.enumerated() {
      let x = GradCheck.random([2, 2, c.h, c.h], seed: UInt64(130 + i))
      let w = GradCheck.random([3, 2, c.k, c.k], seed: UInt64(140 + i), scale: 0.5)
      let b = GradCheck.random([3], seed: UInt64(150 + i))
      try GradCheck.check([x, w, b]) {
        GradCheck.weighted(conv2d($0[0], $0[1], $0[2], stride: c.s, padding: c.p, dilation: c.d))
      }
      try GradCheck.checkSecondOrder([x, w]) {
        GradCheck.weighted(conv2d($0[0], $0[1], stride: c.s, padding: c.p, dilation: c.d).square())
      }
    }
  }

  func testConvTranspose() throws {
    let g = GradCheck.random([1, 3, 2, 2], seed: 80), w = GradCheck.random([3, 2, 4, 4], seed: 81)
    try GradCheck.check([g, w]) { GradCheck.weighted(convTranspose2d($0[0], $0[1], stride: 2, padding: 1, outputSize: (4, 4))) }
    try GradCheck.checkSecondOrder([g, w]) {
      GradCheck.weighted(convTranspose2d($0[0], $0[1], stride: 2, padding: 1, outputSize: (4, 4)).square())
    }
  }

  func testPoolingAndUpsampling() throws {
    let x = GradCheck.random([2, 2, 4, 4], seed: 90)
    try GradCheck.check([x]) { GradCheck.weighted($0[0].maxPool2()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].upsampleNearest()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].upsampleBilinear2()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].sumPool(factor: 2).square()) }
    try GradCheck.check([x]) { GradCheck.weighted($0[0].upsampleBilinear2Adjoint().square()) }
    try GradCheck.checkSecondOrder([x]) { GradCheck.weighted($0[0].upsampleBilinear2().square()) }
    try GradCheck.checkSecondOrder([x]) { GradCheck.weighted($0[0].maxPool2().square()) }
    let t = Tensor(shape: [1, 1, 2, 2], scalars: [1, 2, 3, 4])
    XCTAssertEqual(t.maxPool2().scalars, [4])
    XCTAssertEqual(t.upsampleNearest().scalars, [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    // Bilinear row 0 of a 2-wide input [1,2]: taps at −0.25→0 (clamped), 0.25, 0.75, 1.25→1.
    XCTAssertEqual(Array(t.upsampleBilinear2().scalars.prefix(4)), [1, 1.25, 1.75, 2])
  }

  func testNormalisations() throws {
    let x = GradCheck.random([2, 3, 3, 3], seed: 100)
    let w = GradCheck.random([3], seed: 101), b = GradCheck.random([3], seed: 102)
    try GradCheck.check([x, w, b]) { GradCheck.weighted(instanceNorm2d($0[0], weight: $0[1], bias: $0[2])) }
    try GradCheck.check([x, w, b]) { GradCheck.weighted(batchNorm2dTraining($0[0], weight: $0[1], bias: $0[2]).output) }
    try GradCheck.checkSecondOrder([x, w, b]) { GradCheck.weighted(instanceNorm2d($0[0], weight: $0[1], bias: $0[2])) }
    try GradCheck.checkSecondOrder([w, x, b]) { GradCheck.weighted(instanceNorm2d($0[1], weight: $0[0], bias: $0[2]).square()) }
  }

  func testLosses() throws {
    let p = GradCheck.random([2, 5], seed: 110), t = GradCheck.random([2, 5], seed: 111)
    let labels = Tensor(shape: [2, 5], scalars: [0, 1, 1, 0, 1, 0, 0, 1, 1, 1])
    try GradCheck.check([p, t]) { mseLoss($0[0], $0[1]) }
    try GradCheck.check([p, t]) { l1Loss($0[0], $0[1]) }
    try GradCheck.check([p]) { bceWithLogitsLoss($0[0], labels) }
    try GradCheck.checkSecondOrder([p]) { bceWithLogitsLoss($0[0], labels) }
    // BCE stays finite for huge logits: log(1+e^{-100}) ≈ 0, loss = mean(100·[t=0]).
    let big = Tensor(shape: [2], scalars: [100, -100])
    XCTAssertEqual(bceWithLogitsLoss(big, Tensor(shape: [2], scalars: [0, 0])).item, 50, accuracy: 1e-4)
  }
}
