import MorphModels
import MorphNN
import MorphTensor
import XCTest

/// The engine benchmark's inference decodes several strengths as one batch and computes the
/// interpolator's branches once; both must give the anchor's per-strength values.
final class AnchorInferenceTests: XCTestCase {
  func testBatchedStrengthsMatchPerStrength() throws {
    var rng = RandomGenerator(seed: 3)
    let decoder = anchorDecoder(width: 0.0625, inChannels: 8, rng: &rng)
    let interpolator = AnchorInterpolator(channels: 8, branches: 3, rng: &rng)
    // Give the decoder's BatchNorms running statistics, then evaluate.
    _ = try decoder(Tensor.randn([4, 8, 2, 2], rng: &rng))
    decoder.eval()
    let f1 = Tensor.randn([2, 8, 2, 2], rng: &rng), f2 = Tensor.randn([2, 8, 2, 2], rng: &rng)
    try withoutGrad {
      let t = try interpolator.branchOutputs(f1, f2)
      let strengths: [Float] = [0.25, 1]
      let batched = try decoder(Tensor.concat(strengths.map { interpolator.combine(f1, t, .full([2, 3], $0)) }, axis: 0))
      let separate = Tensor.concat(try strengths.map { try decoder(try interpolator(f1, f2, .full([2, 3], $0))) }, axis: 0)
      XCTAssertEqual(batched.shape, [4, 3, 32, 32])
      for (a, b) in zip(batched.scalars, separate.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 * (1 + Swift.abs(b))) }
    }
  }
}
