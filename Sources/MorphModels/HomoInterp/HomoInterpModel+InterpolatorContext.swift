import MorphNN
import MorphTensor

extension HomoInterpModel {
  /// This model with interpolator branches that also see the source latent
  /// (`config.interpolatorContext`): each branch's first convolution gains `latentChannels`
  /// input channels for `F_a`, with zero weights, so the new model computes exactly what this
  /// one does and training decides what the branches take from the source. Every other weight
  /// is copied. A model whose branches already see the source is returned as it is; the
  /// source cannot be taken away again, as the trained weights use it.
  public func withInterpolatorSeeingSource() throws -> HomoInterpModel {
    if config.branchesSeeSource { return self }
    var target = config
    target.interpolatorContext = true
    try target.validate()
    var state = stateDict()
    let c = config.latentChannels
    for k in 0..<interpolator.branchCount {
      let name = "interpolator.branches.\(k).0.weight"
      guard let old = state[name], old.shape.count == 4, old.shape[1] == c else {
        throw HomoInterpError.badConfig("interpolator branch \(k) has no first convolution over \(c) latent channels ('\(name)')")
      }
      state[name] = Self.appendingZeroInputs(old, count: c)
    }
    return try Self.assembled(config: target, state: state, training: isTraining)
  }

  /// A convolution weight [O, I, k, k] with `count` more input channels whose weights are 0.
  static func appendingZeroInputs(_ weight: Tensor, count: Int) -> Tensor {
    let (o, i, k2) = (weight.shape[0], weight.shape[1], weight.shape[2] * weight.shape[3])
    let old = weight.scalars
    var out = [Float](repeating: 0, count: o * (i + count) * k2)
    for f in 0..<o {
      for t in 0..<(i * k2) { out[f * (i + count) * k2 + t] = old[f * i * k2 + t] }
    }
    return Tensor(shape: [o, i + count, weight.shape[2], weight.shape[3]], scalars: out)
  }
}
