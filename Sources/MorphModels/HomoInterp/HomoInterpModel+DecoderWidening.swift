import MorphNN
import MorphTensor

extension HomoInterpModel {
  /// This model with every decoder convolution widened to at least `minChannels` output
  /// channels (Net2Net's function-preserving widening, Chen et al. 2016; the config's
  /// `decoderMinChannels` records it): a new channel copies an old one — its
  /// incoming filter, batch-norm parameters and running statistics — and the next
  /// convolution's weights on the copies of a channel are split among them with random shares
  /// summing to one. The new model computes what this one does (to rounding, in both modes),
  /// and the uneven shares give the copies different gradients, so they can learn apart.
  /// Encoder, interpolator, critic and projection are copied unchanged.
  ///
  /// This is how a trained model gains decoder capacity without losing what it learned.
  public func widenedDecoder(minChannels: Int, seed: UInt64) throws -> HomoInterpModel {
    var target = config
    target.decoderMinChannels = max(minChannels, config.decoderMinChannels ?? 1)
    try target.validate()
    let wide = HomoInterpModel(config: target, seed: 0, initialise: false)
    var state = stateDict().filter { !$0.key.hasPrefix("decoder.") }
    var rng = RandomGenerator(seed: seed ^ 0x5EED_D1DE)
    // `source[j]`: the old channel that new channel j of the previous convolution copies.
    var source: [Int]? = nil
    let pairs = zip(decoder.layers.layers, wide.decoder.layers.layers).enumerated()
    for (index, (old, new)) in pairs {
      let prefix = "decoder.layers.\(index)."
      if let old = old as? Conv2d, let new = new as? Conv2d {
        let inputs = source ?? Array(0..<old.inChannels)
        let outputs = (0..<new.outChannels).map { $0 % old.outChannels }
        state[prefix + "weight"] = Self.widen(old.weight, inputs: inputs, outputs: outputs, rng: &rng)
        if let bias = old.bias { state[prefix + "bias"] = Self.gather(bias, outputs) }
        source = outputs
      } else if let old = old as? BatchNorm2d, let source {
        for (name, tensor) in old.localParameters + old.localBuffers { state[prefix + name] = Self.gather(tensor, source) }
      }
    }
    try wide.load(stateDict: state, strict: true)
    wide.train(isTraining)
    return wide
  }

  /// `weight[outputs[o], inputs[i]]` for every new (o, i), the input side scaled by random
  /// shares that sum to one over the copies of each old input channel (per output filter).
  static func widen(_ weight: Tensor, inputs: [Int], outputs: [Int], rng: inout RandomGenerator) -> Tensor {
    let (oldIn, k2) = (weight.shape[1], weight.shape[2] * weight.shape[3])
    let old = weight.scalars
    var out = [Float](repeating: 0, count: outputs.count * inputs.count * k2)
    var share = [Float](repeating: 0, count: inputs.count)
    var total = [Float](repeating: 0, count: oldIn)
    for (o, from) in outputs.enumerated() {
      for c in 0..<oldIn { total[c] = 0 }
      for (i, c) in inputs.enumerated() {
        share[i] = 0.5 + rng.nextUniform()
        total[c] += share[i]
      }
      for (i, c) in inputs.enumerated() {
        let scale = share[i] / total[c]
        let src = (from * oldIn + c) * k2, dst = (o * inputs.count + i) * k2
        for t in 0..<k2 { out[dst + t] = old[src + t] * scale }
      }
    }
    return Tensor(shape: [outputs.count, inputs.count, weight.shape[2], weight.shape[3]], scalars: out)
  }

  /// `vector[indices[j]]` for each j.
  static func gather(_ vector: Tensor, _ indices: [Int]) -> Tensor {
    let values = vector.scalars
    return Tensor(shape: [indices.count], scalars: indices.map { values[$0] })
  }
}
