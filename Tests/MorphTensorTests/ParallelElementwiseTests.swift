@testable import MorphTensor
import XCTest

/// Elementwise kernels split over the cores (tensors above `Parallel.minimumWork`) give the
/// element-by-element values, with and without broadcasting; the fused ReLU backward matches
/// the mask product.
final class ParallelElementwiseTests: XCTestCase {
  func testSplitElementwiseMatchesScalarLoop() throws {
    let shape = [5, 4, 150, 150]  // 450 000 elements: above the split threshold
    XCTAssertGreaterThanOrEqual(450_000, Parallel.minimumWork)
    let a = GradCheck.random(shape, seed: 1000), b = GradCheck.random(shape, seed: 1001)
    let row = GradCheck.random([1, 4, 1, 150], seed: 1002)
    let sum = a + b, prod = a * row, neg = -a, relu = a.relu()
    for i in stride(from: 0, to: a.count, by: 997) {
      XCTAssertEqual(sum.scalars[i], a.scalars[i] + b.scalars[i])
      let c = (i / (150 * 150)) % 4, x = i % 150
      XCTAssertEqual(prod.scalars[i], a.scalars[i] * row.scalars[c * 150 + x])
      XCTAssertEqual(neg.scalars[i], -a.scalars[i])
      XCTAssertEqual(relu.scalars[i], Swift.max(a.scalars[i], 0))
    }
    // The last element of each part boundary region too.
    XCTAssertEqual(sum.scalars[a.count - 1], a.scalars[a.count - 1] + b.scalars[b.count - 1])
  }

  func testFusedReluBackwardMatchesMask() throws {
    let x = GradCheck.random([5, 4, 150, 150], seed: 1010).requiringGrad()
    let g = GradCheck.random(x.shape, seed: 1011)
    for slope: Float in [0, 0.2] {
      let y = slope == 0 ? x.relu() : x.leakyRelu(slope)
      let dx = try (y * g).sum().gradients(wrt: [x])[0]
      let expected = g * (slope == 0 ? x.positiveMask() : x.leakySlopeMask(slope))
      XCTAssertEqual(dx.scalars, expected.scalars)
    }
  }
}
