import MorphTensor
import XCTest

final class ElementwiseGradTests: XCTestCase {
  let a = GradCheck.random([2, 3, 4], seed: 1)
  let b = GradCheck.random([3, 1], seed: 2)

  func testBroadcastingArithmetic() throws {
    try GradCheck.check([a, b]) { GradCheck.weighted($0[0] + $0[1]) }
    try GradCheck.check([a, b]) { GradCheck.weighted($0[0] - $0[1]) }
    try GradCheck.check([a, b]) { GradCheck.weighted($0[0] * $0[1]) }
    let positive = GradCheck.random([3, 1], seed: 3).abs() + 0.5
    try GradCheck.check([a, positive]) { GradCheck.weighted($0[0] / $0[1]) }
    try GradCheck.check([a]) { GradCheck.weighted(-$0[0] * 3 + 2) }
    try GradCheck.check([positive]) { GradCheck.weighted(2 / $0[0]) }
  }

  func testUnary() throws {
    let p = a.abs() + 0.3
    try GradCheck.check([a]) { GradCheck.weighted($0[0].exp()) }
    try GradCheck.check([p]) { GradCheck.weighted($0[0].log()) }
    try GradCheck.check([p]) { GradCheck.weighted($0[0].sqrt()) }
    try GradCheck.check([a]) { GradCheck.weighted($0[0].abs()) }
    try GradCheck.check([a]) { GradCheck.weighted($0[0].relu()) }
    try GradCheck.check([a]) { GradCheck.weighted($0[0].leakyRelu(0.2)) }
    try GradCheck.check([a]) { GradCheck.weighted($0[0].tanh()) }
    try GradCheck.check([a]) { GradCheck.weighted($0[0].sigmoid()) }
  }

  func testHandDerivedProductRule() throws {
    // f(x) = Σ x²·3 ⇒ ∂f/∂x = 6x: x = [1, −2] gives [6, −12].
    let x = Tensor(shape: [2], scalars: [1, -2], requiresGrad: true)
    try (x.square() * 3).sum().backward()
    XCTAssertEqual(x.grad?.scalars, [6, -12])
  }

  func testSecondOrderElementwise() throws {
    try GradCheck.checkSecondOrder([a, b]) { GradCheck.weighted($0[0] * $0[1] * $0[0]) }
    try GradCheck.checkSecondOrder([a]) { GradCheck.weighted($0[0].leakyRelu(0.2) * $0[0]) }
    try GradCheck.checkSecondOrder([a]) { GradCheck.weighted($0[0].tanh()) }
    try GradCheck.checkSecondOrder([a]) { GradCheck.weighted($0[0].sigmoid()) }
    try GradCheck.checkSecondOrder([a.abs() + 0.5]) { GradCheck.weighted($0[0].sqrt() + $0[0].log()) }
    try GradCheck.checkSecondOrder([a, b.abs() + 0.5]) { GradCheck.weighted($0[0] / $0[1]) }
    try GradCheck.checkSecondOrder([a]) { GradCheck.weighted($0[0].exp()) }
  }

  func testSigmoidStableInTails() {
    let x = Tensor(shape: [3], scalars: [-200, 0, 200])
    XCTAssertEqual(x.sigmoid().scalars, [0, 0.5, 1])
  }
}
