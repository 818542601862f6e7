import Foundation
import MorphNN
import MorphTensor

/// The homomorphic latent-space interpolation model (HomoInterpGAN): encoder `E`,
/// interpolator `I`, decoder `D`, critic `Dis` with attribute heads `A'`, and the
/// knowledge-guidance projection `P`. Parameters carry PyTorch-style dotted names
/// (`encoder.features.0.weight`, `interpolator.branches.2.4.bias`, `critic.classifiers.0.weight`).
public final class HomoInterpModel: Module {
  public let config: HomoInterpConfig
  public let encoder: HomoInterpEncoder
  public let interpolator: HomoInterpInterpolator
  public let decoder: HomoInterpDecoder
  public let critic: HomoInterpCritic
  public let projection: HomoInterpProjection
  public var isTraining = true

  /// A freshly He-initialised model. Precondition: `config.validate()` passes (use
  /// `init(validating:seed:)` for configurations from users).
  public convenience init(config: HomoInterpConfig, seed: UInt64) {
    self.init(config: config, seed: seed, initialise: true)
  }

  /// With `initialise` false the weights keep the layers' cheap default draw: for a model whose
  /// every weight is about to be loaded, where He initialisation (Gaussian draws) took longer
  /// than reading the checkpoint.
  init(config: HomoInterpConfig, seed: UInt64, initialise: Bool) {
    precondition((try? config.validate()) != nil, "invalid HomoInterpConfig \(config)")
    self.config = config
    var rng = RandomGenerator(seed: seed)
    encoder = HomoInterpEncoder(config: config, rng: &rng)
    interpolator = HomoInterpInterpolator(config: config, rng: &rng)
    decoder = HomoInterpDecoder(config: config, rng: &rng)
    critic = HomoInterpCritic(config: config, rng: &rng)
    projection = HomoInterpProjection(
      latentChannels: config.latentChannels, teacherChannels: config.projectionChannels ?? config.latentChannels, rng: &rng)
    guard initialise else { return }
    HeInit.apply(to: encoder, rng: &rng)
    HeInit.apply(to: interpolator, rng: &rng)
    HeInit.apply(to: decoder, rng: &rng)
    HeInit.apply(to: critic, negativeSlope: 0.2, rng: &rng)
    HeInit.apply(to: projection, rng: &rng)
    // The critic normalises its input (instance norm), so its gradient grows with the latent
    // size: a small real/fake head starts the gradient penalty near 1 instead of ~1e3.
    critic.adversarial.weight.assign(critic.adversarial.weight * 0.05)
    // The last conv of each branch starts small, so a new interpolator is near F_a + v·0
    // and training begins from faithful reconstructions rather than noise.
    for branch in interpolator.branches.modules {
      if let last = (branch as? Sequential)?.layers.last as? Conv2d {
        last.weight.assign(last.weight * 0.1)
      }
    }
  }

  /// Validates `config` first, throwing `HomoInterpError.badConfig`.
  public convenience init(validating config: HomoInterpConfig, seed: UInt64) throws {
    try config.validate()
    self.init(config: config, seed: seed)
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    [("encoder", encoder), ("interpolator", interpolator), ("decoder", decoder), ("critic", critic), ("projection", projection)]
  }

  // MARK: - Inference (no tape)

  /// images: [N, 3, S, S], S = config.imageSize, normalised like ImageBatchBuffer `.symmetric`
  /// (pixel/127.5 − 1) whatever `config.imageNormalization` is (the encoder converts).
  /// Inference mode, no tape. Returns latents [N, C, s, s].
  public func encode(_ images: Tensor) throws -> Tensor {
    try withoutGrad { try encoder(images) }
  }

  /// `F_a + Σ_i v_i · T_i(F_b − F_a)`; strengths.count == config.groups.count, values in [0, 2].
  /// source/reference: [N, C, s, s] (reference may be [1, C, s, s], broadcast over N).
  /// The residual branch moves by `residualStrength`, by default the smallest group strength:
  /// it carries what no group describes, so it moves only as far as every group does (0 when
  /// editing one group, 1 when interpolating everything). A model without a residual branch
  /// ignores it.
  public func interpolate(source: Tensor, reference: Tensor, strengths: [Float], residualStrength: Float? = nil) throws -> Tensor {
    let g = config.groups.count
    guard strengths.count == g, strengths.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 2 }) else {
      throw HomoInterpError.badStrengths(expected: g, found: strengths)
    }
    let residual = residualStrength ?? (strengths.min() ?? 0)
    guard residual.isFinite, residual >= 0, residual <= 2 else { throw HomoInterpError.badStrengths(expected: g, found: strengths + [residual]) }
    try checkLatent(source, "interpolate(source:)")
    try checkLatent(reference, "interpolate(reference:)")
    let n = source.shape[0]
    guard reference.shape[0] == n || reference.shape[0] == 1 else {
      throw HomoInterpError.badShape(operation: "interpolate(reference:)", expected: "[\(n) or 1, …] latents", found: reference.shape)
    }
    let ref = reference.shape[0] == n ? reference : reference.broadcast(to: source.shape)
    // A model without a residual branch has one strength per group and nothing else.
    let row = config.hasResidualBranch ? strengths + [residual] : strengths
    let v = Tensor(shape: [n, row.count], scalars: (0..<n).flatMap { _ in row })
    return try withoutGrad { try interpolator(source: source, reference: ref, strengths: v) }
  }

  /// Latents → images [N, 3, S, S] in [-1, 1] (symmetric normalisation, clamped when the
  /// decoder has no tanh). Uses the batch-norm running statistics.
  public func decode(_ latents: Tensor) throws -> Tensor {
    try checkLatent(latents, "decode")
    let was = decoder.isTraining
    decoder.eval()
    defer { decoder.train(was) }
    let images = try withoutGrad { try decoder(latents) }
    // Without a final tanh the decoder can overshoot the image range; the reference clamps
    // too (its `untransformTensor`), so saved images and scores see the same pixels.
    guard config.decoderTanh == false else { return images }
    return Tensor(shape: images.shape, scalars: images.scalars.map { Swift.min(Swift.max($0, -1), 1) })
  }

  /// Critic attribute heads: per image, per group, per attribute probability (sigmoid),
  /// flattened in config.groups order → [N, totalAttributes].
  public func attributeProbabilities(_ latents: Tensor) throws -> Tensor {
    try checkLatent(latents, "attributeProbabilities")
    return try withoutGrad { try critic.attributeLogits(features: critic.features(latents)).sigmoid() }
  }

  func checkLatent(_ f: Tensor, _ operation: String) throws {
    let c = config.latentChannels, s = config.latentSide
    guard f.rank == 4, f.shape[0] > 0, f.shape[1] == c, f.shape[2] == s, f.shape[3] == s else {
      throw HomoInterpError.badShape(operation: operation, expected: "latents [N, \(c), \(s), \(s)]", found: f.shape)
    }
  }
}
