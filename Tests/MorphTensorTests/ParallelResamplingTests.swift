@testable import MorphTensor
import XCTest

/// Max pooling and the sub-pixel interleave split over the cores (inputs above
/// `Parallel.minimumWork`) against plain loops over the definition, with and without a tape.
final class ParallelResamplingTests: XCTestCase {
  func testSplitMaxPoolMatchesDefinition() throws {
    let (n, c, h, w) = (4, 8, 130, 101)  // 420 160 elements: above the split threshold
    XCTAssertGreaterThanOrEqual(n * c * h * w, Parallel.minimumWork)
    let x = GradCheck.random([n, c, h, w], seed: 1100)
    let (oh, ow) = (h / 2, w / 2)
    var expected = [Float](repeating: 0, count: n * c * oh * ow)
    for p in 0..<(n * c) {
      for y in 0..<oh {
        for xx in 0..<ow {
          let at = { (dy: Int, dx: Int) in x.scalars[(p * h + 2 * y + dy) * w + 2 * xx + dx] }
          expected[(p * oh + y) * ow + xx] = Swift.max(Swift.max(at(0, 0), at(0, 1)), Swift.max(at(1, 0), at(1, 1)))
        }
      }
    }
    let untaped = withoutGrad { x.maxPool2() }
    XCTAssertEqual(untaped.scalars, expected)
    // On the tape the winners' indices route the gradient: one per output, to the maximum.
    let xg = x.requiringGrad()
    let y = xg.maxPool2()
    XCTAssertEqual(y.scalars, expected)
    let dx = try y.sum().gradients(wrt: [xg])[0]
    XCTAssertEqual(dx.scalars.reduce(0, +), Float(expected.count))
    for p in stride(from: 0, to: n * c, by: 5) {
      let i = (p * h + 2) * w + 4, o = (p * oh + 1) * ow + 2
      if x.scalars[i] == expected[o] { XCTAssertEqual(dx.scalars[i], 1) }
    }
  }

  func testSplitSubpixelInterleaveMatchesDefinition() throws {
    let (n, cout, h, w) = (2, 9, 80, 71)  // 409 968 output elements: above the split threshold
    XCTAssertGreaterThanOrEqual(n * cout * 4 * h * w, Parallel.minimumWork)
    let z = GradCheck.random([n, 4 * cout, h + 1, w + 1], seed: 1110)
    let y = z.subpixelInterleave(cout: cout)
    XCTAssertEqual(y.shape, [n, cout, 2 * h, 2 * w])
    for img in 0..<n {
      for o in 0..<cout {
        for i in stride(from: 0, to: 2 * h, by: 3) {
          for j in 0..<(2 * w) {
            let (a, b) = (i % 2, j % 2)
            let src = (((img * 4 + 2 * a + b) * cout + o) * (h + 1) + i / 2 + a) * (w + 1) + j / 2 + b
            XCTAssertEqual(y.scalars[((img * cout + o) * 2 * h + i) * 2 * w + j], z.scalars[src])
          }
        }
      }
    }
    // The adjoint: ⟨interleave(z), g⟩ = ⟨z, deinterleave(g)⟩.
    let g = GradCheck.random(y.shape, seed: 1111)
    let back = g.subpixelDeinterleave(cout: cout)
    let lhs = zip(y.scalars, g.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    let rhs = zip(z.scalars, back.scalars).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
    XCTAssertEqual(lhs, rhs, accuracy: 1e-6 * Swift.max(1, abs(lhs)))
  }
}
