import MorphTensor
import XCTest

/// `upsampleConv3x3` equals nearest ×2 upsampling followed by a 3×3 convolution, in values and
/// in gradients, and its interleave ops pass finite-difference checks.
final class SubpixelConvolutionTests: XCTestCase {
  func testValuesAndGradientsMatchUpsampleThenConvolve() throws {
    for (n, cin, cout, h, w) in [(2, 3, 4, 3, 5), (1, 5, 2, 4, 4), (2, 1, 1, 1, 2)] {
      let x0 = GradCheck.random([n, cin, h, w], seed: 1)
      let w0 = GradCheck.random([cout, cin, 3, 3], seed: 2)
      let b0 = GradCheck.random([cout], seed: 3)
      func run(_ f: (Tensor, Tensor, Tensor) -> Tensor) throws -> (Tensor, [Tensor]) {
        let x = Tensor(shape: x0.shape, scalars: x0.scalars, requiresGrad: true)
        let weight = Tensor(shape: w0.shape, scalars: w0.scalars, requiresGrad: true)
        let bias = Tensor(shape: b0.shape, scalars: b0.scalars, requiresGrad: true)
        let y = f(x, weight, bias)
        return (y, try GradCheck.weighted(y).gradients(wrt: [x, weight, bias]))
      }
      let (fast, fastGrads) = try run { upsampleConv3x3($0, $1, $2) }
      let (plain, plainGrads) = try run { conv2d($0.upsampleNearest(factor: 2), $1, $2, padding: 1) }
      XCTAssertEqual(fast.shape, [n, cout, 2 * h, 2 * w])
      for (a, b) in zip(fast.scalars, plain.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * (1 + Swift.abs(b))) }
      for (k, (ga, gb)) in zip(fastGrads, plainGrads).enumerated() {
        XCTAssertEqual(ga.shape, gb.shape)
        for (a, b) in zip(ga.scalars, gb.scalars) {
          XCTAssertEqual(a, b, accuracy: 1e-3 * (1 + Swift.abs(b)), "gradient \(k) of \([n, cin, cout, h, w])")
        }
      }
    }
  }

  func testInterleaveOpsPassGradientChecks() throws {
    let z = GradCheck.random([2, 8, 4, 3], seed: 4)
    try GradCheck.check([z]) { GradCheck.weighted($0[0].subpixelInterleave(cout: 2)) }
    try GradCheck.checkSecondOrder([z]) { GradCheck.weighted($0[0].subpixelInterleave(cout: 2).square()) }
    let y = GradCheck.random([2, 2, 6, 4], seed: 5)
    try GradCheck.check([y]) { GradCheck.weighted($0[0].subpixelDeinterleave(cout: 2)) }
    try GradCheck.checkSecondOrder([y]) { GradCheck.weighted($0[0].subpixelDeinterleave(cout: 2).square()) }
    // Deinterleave is the adjoint: <interleave(z), y> = <z, deinterleave(y)>.
    let zz = GradCheck.random([1, 8, 4, 4], seed: 6), yy = GradCheck.random([1, 2, 6, 6], seed: 7)
    let lhs = (zz.subpixelInterleave(cout: 2) * yy).sum().item, rhs = (zz * yy.subpixelDeinterleave(cout: 2)).sum().item
    XCTAssertEqual(lhs, rhs, accuracy: 1e-3)
  }

  func testCompositeGradientCheck() throws {
    let x = GradCheck.random([1, 2, 3, 3], seed: 8), w = GradCheck.random([2, 2, 3, 3], seed: 9)
    let b = GradCheck.random([2], seed: 10)
    try GradCheck.check([x, w, b]) { GradCheck.weighted(upsampleConv3x3($0[0], $0[1], $0[2])) }
  }
}
