import MorphNN
import MorphTensor

extension HomoInterpModel {
  /// This model with interpolator branches that pool globally (`config.interpolatorGlobal`):
  /// each branch gains a 1×1 convolution over its mean first-layer features, with zero weights
  /// and bias, so the new model computes exactly what this one does and training decides what
  /// the pooled term adds. Every other weight is copied. A model whose branches already pool
  /// is returned as it is.
  public func withInterpolatorPoolingGlobally() throws -> HomoInterpModel {
    if config.branchesPoolGlobally { return self }
    var target = config
    target.interpolatorGlobal = true
    try target.validate()
    var state = stateDict()
    let c = config.latentChannels
    for k in 0..<interpolator.branchCount {
      state["interpolator.globals.\(k).weight"] = Tensor.zeros([c, c, 1, 1])
      state["interpolator.globals.\(k).bias"] = Tensor.zeros([c])
    }
    return try Self.assembled(config: target, state: state, training: isTraining)
  }
}
