import MorphTensor
import XCTest

@testable import MorphModels

final class HomoInterpLossesTests: XCTestCase {
  /// The gradient-difference loss by hand on a 1×1×2×3 error, its indifference to a constant
  /// offset (which pixel MSE charges), its gradient against central differences, and a clear
  /// error for mismatched shapes.
  func testGradientDifferenceWeighsEdgesNotOffsets() throws {
    let target = Tensor(shape: [1, 1, 2, 3], scalars: [0, 0, 0, 0, 0, 0])
    let prediction = Tensor(shape: [1, 1, 2, 3], scalars: [1, 0, 2, 0, 0, 3])
    // Horizontal differences: (−1, 2), (0, 3) → mean of squares 14 / 4; vertical: (−1, 0, 1) → 2 / 3.
    XCTAssertEqual(try HomoInterpLosses.gradientDifference(prediction, target).item, 14.0 / 4 + 2.0 / 3, accuracy: 1e-5)

    var rng = RandomGenerator(seed: 3)
    let image = Tensor.rand([2, 3, 5, 4], low: -1, high: 1, rng: &rng)
    let shifted = image + 0.3
    XCTAssertEqual(try HomoInterpLosses.gradientDifference(shifted, image).item, 0, accuracy: 1e-6)
    XCTAssertGreaterThan(mseLoss(shifted, image).item, 0.08)

    let other = Tensor.rand([2, 3, 5, 4], low: -1, high: 1, rng: &rng)
    let x = Tensor(shape: image.shape, scalars: image.scalars, requiresGrad: true)
    let analytic = try XCTUnwrap(try HomoInterpLosses.gradientDifference(x, other).gradients(wrt: [x]).first).scalars
    let eps: Float = 1e-2
    for i in stride(from: 0, to: image.count, by: 7) {
      func value(_ delta: Float) throws -> Float {
        var s = image.scalars
        s[i] += delta
        return try withoutGrad { try HomoInterpLosses.gradientDifference(Tensor(shape: image.shape, scalars: s), other).item }
      }
      let numeric = (try value(eps) - value(-eps)) / (2 * eps)
      XCTAssertEqual(analytic[i], numeric, accuracy: 1e-3 + 1e-2 * abs(numeric), "element \(i)")
    }
    XCTAssertThrowsError(try HomoInterpLosses.gradientDifference(image, Tensor.zeros([2, 3, 4, 5]))) {
      XCTAssertTrue("\($0)".contains("gradientDifference"), "\($0)")
    }
  }
}
