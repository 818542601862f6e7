import MorphNN
import MorphTensor

/// He (Kaiming) initialisation of every convolution in a module tree, conv biases zero.
///
/// PyTorch's default init of an untrained VGG gives near-constant latents and a first
/// gradient penalty near 1.6e3 (issue 10); He init keeps activations at unit scale.
enum HeInit {
  static func apply(to module: any Module, negativeSlope: Float = 0, rng: inout RandomGenerator) {
    let params = module.namedParameters()
    // Norm layers keep their (1, 0) affine init: their weights are rank 1.
    let normPrefixes = Set(params.filter { $0.tensor.rank == 1 && $0.name.hasSuffix("weight") }.map { $0.name.dropLast(6) })
    for (name, t) in params {
      if t.rank == 4 && name.hasSuffix("weight") {
        let fanIn = t.shape[1] * t.shape[2] * t.shape[3]
        t.assign(Initializer.kaimingNormal(t.shape, fanIn: fanIn, negativeSlope: negativeSlope, rng: &rng))
      } else if t.rank == 1 && name.hasSuffix("bias") && !normPrefixes.contains(name.dropLast(4)) {
        t.assign(.zeros(t.shape))
      }
    }
  }
}
