import MorphNN
import MorphTensor

extension HomoInterpModel {
  /// This model with its interpolator branches' convolutions dilated as `dilations` says (nil:
  /// undilated), every weight kept: dilation changes where a kernel reads, not its shape. The
  /// branches then compute something new from the same start, so a trained model seeded this
  /// way needs its interpolator trained again; encoder, decoder, critic and projection are
  /// unchanged.
  public func withInterpolatorDilations(_ dilations: [Int]?) throws -> HomoInterpModel {
    var target = config
    target.interpolatorDilations = dilations
    try target.validate()
    return try Self.assembled(config: target, state: stateDict(), training: isTraining)
  }
}
