import MorphNN
import MorphTensor

/// `Dis` with the attribute classifier `A'` on a shared trunk, on latents:
/// conv1×1 → IN → LReLU(0.2) → [conv4×4 s2 → IN → LReLU] until 2×2 → conv2×2 → LReLU, then
/// a real/fake 1×1 conv and one 1×1 conv per attribute group. `config.critic` gives the
/// reference's layout (a narrower trunk, affine norms, no final LReLU, a many-channel score).
public final class HomoInterpCritic: Module {
  public let trunk: Sequential
  public let adversarial: Conv2d
  public let classifiers: ModuleList
  public let config: HomoInterpConfig
  public var isTraining = true

  init(config: HomoInterpConfig, rng: inout RandomGenerator) {
    self.config = config
    let layout = config.criticLayout
    let c = layout.channels, affine = layout.affineNorm
    var list: [any Layer] = [
      Conv2d(config.latentChannels, c, kernelSize: 1, rng: &rng), InstanceNorm2d(c, affine: affine), LeakyReLU(0.2),
    ]
    var side = config.latentSide
    while side > 2 {
      list += [Conv2d(c, c, kernelSize: 4, stride: 2, padding: 1, rng: &rng), InstanceNorm2d(c, affine: affine), LeakyReLU(0.2)]
      side /= 2
    }
    list.append(Conv2d(c, c, kernelSize: 2, rng: &rng))
    if layout.finalActivation { list.append(LeakyReLU(0.2)) }
    trunk = Sequential(list)
    adversarial = Conv2d(c, layout.scoreChannels, kernelSize: 1, rng: &rng)
    classifiers = ModuleList(config.groups.map { Conv2d(c, $0.attributes.count, kernelSize: 1, rng: &rng) })
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    [("trunk", trunk), ("adversarial", adversarial), ("classifiers", classifiers)]
  }

  /// Shared features [N, C, 1, 1] of latents [N, C, s, s].
  func features(_ f: Tensor) throws -> Tensor {
    let c = config.latentChannels, s = config.latentSide
    guard f.rank == 4, f.shape[0] > 0, f.shape[1] == c, f.shape[2] == s, f.shape[3] == s else {
      throw HomoInterpError.badShape(operation: "critic", expected: "latents [N, \(c), \(s), \(s)]", found: f.shape)
    }
    return try trunk(f)
  }

  /// Real/fake score per image, [N]: the mean of the real/fake channels (one in Morph's
  /// layout; the reference's loss averages all of its).
  func score(features h: Tensor) throws -> Tensor {
    let k = adversarial.outChannels
    let s = try adversarial(h).reshape([h.shape[0], k])
    return k == 1 ? s.reshape([h.shape[0]]) : s.mean(axes: [1])
  }

  /// Attribute logits per image, all groups concatenated in order: [N, totalAttributes].
  func attributeLogits(features h: Tensor) throws -> Tensor {
    let n = h.shape[0]
    let parts = try classifiers.modules.compactMap { $0 as? Conv2d }.map { try $0(h).reshape([n, $0.outChannels]) }
    return Tensor.concat(parts, axis: 1)
  }
}

/// `P`: the knowledge-guidance projection, one 1×1 conv from the latent to the teacher's
/// deepest feature width.
public final class HomoInterpProjection: Layer {
  public let conv: Conv2d
  public var isTraining = true

  init(latentChannels: Int, teacherChannels: Int, rng: inout RandomGenerator) {
    conv = Conv2d(latentChannels, teacherChannels, kernelSize: 1, rng: &rng)
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] { [("conv", conv)] }
  public func callAsFunction(_ f: Tensor) throws -> Tensor { try conv(f) }
}
