import MorphTensor
import XCTest

/// `backward()` frees the graph behind it, as PyTorch does; a second pass is refused.
final class BackwardReleaseTests: XCTestCase {
  func testBackwardFreesIntermediatesAndKeepsTheGradients() throws {
    let x = Tensor(shape: [3], scalars: [1, -2, 3], requiresGrad: true)
    weak var intermediate: Tensor?
    let loss: Tensor = {
      let h = x.square() * 3  // only the tape holds h
      intermediate = h
      return h.sum()
    }()
    XCTAssertNotNil(intermediate, "the tape keeps the intermediate until backward")
    try loss.backward()
    XCTAssertNil(intermediate, "backward released it")
    XCTAssertEqual(x.grad?.scalars, [6, -12, 18])
    XCTAssertEqual(loss.item, 42)  // the loss's own value stays
  }

  func testSecondBackwardThroughAFreedGraphThrows() throws {
    let x = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
    let h = x.exp()
    let first = h.sum()
    let second = (h * 2).sum()
    try first.backward()
    XCTAssertThrowsError(try first.backward()) { XCTAssertTrue("\($0)".contains("already freed"), "\($0)") }
    XCTAssertThrowsError(try second.backward())  // shares h's released op
    XCTAssertThrowsError(try second.gradients(wrt: [x]))
  }

  func testGradientsKeepsTheGraphForRepeatedPasses() throws {
    let x = Tensor(shape: [2], scalars: [1, 2], requiresGrad: true)
    let loss = (x.square() * x).sum()
    let g1 = try loss.gradients(wrt: [x])[0]
    let g2 = try loss.gradients(wrt: [x])[0]
    XCTAssertEqual(g1.scalars, [3, 12])
    XCTAssertEqual(g2.scalars, g1.scalars)
    try loss.backward()  // still possible after gradients(wrt:)
    XCTAssertEqual(x.grad?.scalars, [3, 12])
  }
}
