import Foundation

/// Loss weights of DESIGN.md §2 (every one a recipe parameter) plus the stabilisers of
/// issue 10; stored in checkpoint metadata.
public struct HomoInterpLossWeights: Codable, Equatable, Sendable {
  /// Decoder: MSE(D(F), x).
  public var reconstruction: Float = 1
  /// Decoder: MSE(Φ(D(F)), Φ(x)) over the teacher's perceptual features.
  public var perceptual: Float = 1
  /// Projection: MSE(P(F), Φ_5(x)), the knowledge-guidance anchor of the encoder.
  public var projection: Float = 1
  /// Critic: WGAN-GP gradient penalty weight (100 in the reference).
  public var gradientPenalty: Float = 100
  /// Critic: BCE of the attribute heads on real latents.
  public var criticAttribute: Float = 1
  /// Interpolator: −mean(Dis(F_interp)).
  public var adversarial: Float = 1
  /// Interpolator: BCE(A'(F_interp), z_interp).
  public var attribute: Float = 1
  /// Interpolator: MSE(I(F_a, F_b, v = 1), F_b) ("interpolate all").
  public var interpolateAll: Float = 1
  /// Interpolator: BCE(C(D(F_interp)), z_interp) with the Morph-trained image classifier C —
  /// grounds edits in pixels so the latent heads cannot be fooled by invisible changes
  /// (0 turns it off; not part of the reference).
  public var pixelAttribute: Float = 1
  /// Encoder + decoder: BCE(C(D(F)), z) with the same classifier on the reconstruction —
  /// a reconstruction that keeps every attribute of its face is what an edit at strength 0
  /// must be, and pixel MSE alone lets small continuous attributes (age, smile) drift
  /// (0 turns it off; not part of the reference).
  public var reconstructionAttribute: Float = 0
  /// Encoder + decoder: gradient difference of D(F) and x (`HomoInterpLosses.gradientDifference`)
  /// — fine lines (age) and clean skin where pixel MSE settles for blur and speckle
  /// (0 turns it off; not part of the reference).
  public var reconstructionGradient: Float = 0
  /// Decoder polish: BCE(C(D(F_interp)), z_interp) on edits made by the run's fixed
  /// interpolator — reconstruction alone never shows the decoder an edited latent, and
  /// the edits it draws wrong (a beard left grey under blond hair, lines lost) fail where
  /// the latent heads read them right (0 turns it off; not part of the reference).
  public var polishEdit: Float = 0

  public init() {}

  /// Decodes the stored weights; a weight absent from older checkpoints keeps its default.
  public init(from decoder: any Decoder) throws {
    let c = try decoder.container(keyedBy: CodingKeys.self)
    func read(_ key: CodingKeys, _ value: inout Float) throws {
      if let stored = try c.decodeIfPresent(Float.self, forKey: key) { value = stored }
    }
    try read(.reconstruction, &reconstruction)
    try read(.perceptual, &perceptual)
    try read(.projection, &projection)
    try read(.gradientPenalty, &gradientPenalty)
    try read(.criticAttribute, &criticAttribute)
    try read(.adversarial, &adversarial)
    try read(.attribute, &attribute)
    try read(.interpolateAll, &interpolateAll)
    try read(.pixelAttribute, &pixelAttribute)
    try read(.reconstructionAttribute, &reconstructionAttribute)
    try read(.reconstructionGradient, &reconstructionGradient)
    try read(.polishEdit, &polishEdit)
  }
}

/// Everything a training run is parameterised by (besides the model config).
public struct HomoInterpTrainingOptions: Codable, Equatable, Sendable {
  /// Total steps over all phases (teacher classifier, warm-up, full).
  public var steps = 10_000
  /// Faces per step over all ranks of a data-parallel run (`HomoInterpTrainer+DataParallel`).
  public var batchSize = 16
  /// Micro-batches each process cuts its share of a step's batch into: their gradients are
  /// averaged before each optimiser update (nil or 1: none), as the ranks of an MPI run's are.
  /// Each micro-batch is a batch of its own to the losses (edit partners, batch-norm moments).
  public var microBatches: Int?
  public var learningRate: Float = 2e-4
  public var beta1: Float = 0.5
  public var beta2: Float = 0.999
  /// The interpolator (and, when allowed, the encoder) steps once every `nCritic` critic steps.
  public var nCritic = 5
  /// Steps training the attribute classifier (the teacher when no VGG19 is given, and the
  /// pixel-attribute judge) before anything else; 0 skips it (only with a VGG19 teacher and
  /// no pixel-attribute loss).
  public var classifierSteps = 1_500
  public var classifierLearningRate: Float = 1e-3
  /// Cells per side of the classifier's pooling grid (`HomoInterpAttributeClassifier.grid`);
  /// nil (runs from before the grid existed) means 1, a global average.
  public var classifierGrid: Int?
  /// Set when a resumed run started its classifier afresh: the step it happened at and the
  /// classifier steps it took.
  public var classifierRetrainedAtStep: Int?
  public var classifierRetrainSteps: Int?
  /// Seed of the attribute classifier's initial weights and of its retraining batches (nil:
  /// the run's `seed`). A retrained judge from another seed is a different judge: one the
  /// interpolator has not yet learned to satisfy with edits the faces do not show.
  public var classifierSeed: UInt64?
  /// Every this many full steps (nil or 0: never) the classifier starts afresh from a new seed
  /// (`classifierSeed(refreshedAt:)`) and retrains for `classifierRetrainSteps` (or
  /// `classifierSteps`) before training goes on, so the pixel-attribute judge never stays
  /// the same long enough to be learned.
  public var classifierRefreshEvery: Int?
  /// Chance that a face the classifier trains on is a blend with another face, labelled with
  /// the same blend of their targets (`ClassifierMixup`; nil or 0: never). A judge trained on
  /// blends reads part-way edits by their share, so edits at strength v move v of the way.
  public var classifierMixup: Double?
  /// Reconstruction warm-up steps after the classifier: encoder + decoder + projection only
  /// (stands in for the reference's pretrained encoder/decoder).
  public var warmupSteps = 2_000
  /// Learning rate of the warm-up phase (nil: `learningRate`); the warm-up stands in for
  /// pretraining, where a larger rate saves hours.
  public var warmupLearningRate: Float?
  public var weights = HomoInterpLossWeights()
  /// Whether the interpolator's adversarial/attribute/pixel losses reach the encoder
  /// (off by default: with it on, the encoder collapses — issue 10).
  public var editLossesReachEncoder = false
  /// Whether the interpolate-all loss reaches the encoder.
  public var interpolateAllReachesEncoder = false
  /// Whether the pixel-attribute loss also trains the decoder (it always trains the
  /// interpolator). New runs: no. nil, in runs from before the option, means yes.
  public var pixelAttributeReachesDecoder: Bool? = false
  /// `pixelAttributeReachesDecoder` with its historical default.
  public var pixelAttributeTrainsDecoder: Bool { pixelAttributeReachesDecoder ?? true }
  /// Whether the run trains the Morph attribute classifier (teacher, pixel judge).
  public var needsClassifier: Bool {
    teacherVGG19 == nil || weights.pixelAttribute > 0 || weights.reconstructionAttribute > 0
  }
  /// Chance that a training batch edits a single group (the others stay at 0), as in use;
  /// otherwise every group of every sample draws its own strength.
  public var singleGroupProbability = 0.5
  /// Chance that a drawn edit strength is exactly 1 rather than uniform in [0, 1]: more full
  /// edits, for groups whose edits stop short (nil, as in runs from before the option: 0).
  public var fullStrengthProbability: Double?
  /// Relative chance of each group (by name) being the one a single-group batch edits; groups
  /// not named weigh 1, nil (as in runs from before the option) draws them all alike. Weak
  /// groups (hair colour) can get more of the single-group edits this way.
  public var groupWeights: [String: Double]?
  /// The checkpoint whose weights a run started from (nil: He init) and its step there.
  public var initialWeights: String?
  public var initialWeightsStep: Int?
  /// The last steps of the run that polish the decoder alone (nil or 0: none): the encoder,
  /// interpolator, critic and projection are fixed, so the latent space and every edit in
  /// it stay as trained, and the decoder learns to render them closer to the faces
  /// (reconstruction, perceptual, reconstruction-gradient and reconstruction-attribute
  /// losses) at a learning rate falling along a cosine to 0. It stands in for the
  /// reference's pretrained decoder, as the warm-up does for the start of a run.
  public var decoderPolishSteps: Int?
  /// The polish's starting learning rate (nil: `learningRate`).
  public var decoderPolishLearningRate: Float?
  /// Whether full steps leave the encoder, decoder and projection as they are (nil or false:
  /// they train): only the critic and the interpolator learn, so a trained model's latent
  /// space and reconstructions stay exactly as they were while its edits are trained further.
  public var autoencoderFrozen: Bool {
    get { freezeAutoencoder ?? false }
    set { freezeAutoencoder = newValue ? true : nil }
  }
  /// Stored form of `autoencoderFrozen` (absent in runs from before the option).
  public var freezeAutoencoder: Bool?
  /// Relative latent spread under which a collapse warning is raised.
  public var collapseThreshold: Float = 0.1
  /// Geometric jitter of the training images (nil: none).
  public var jitter: Bool = true
  public var seed: UInt64 = 1
  /// Path of a VGG19 safetensors file (torchvision keys) used as teacher; nil: the classifier.
  public var teacherVGG19: String?

  public init() {}

  /// The classifier grid new runs use: 4, or the largest of 2 and 1 dividing the latent side.
  public static func defaultClassifierGrid(latentSide: Int) -> Int {
    [4, 2, 1].first { latentSide > 0 && latentSide % $0 == 0 } ?? 1
  }

  public func validate() throws {
    guard steps > 0, batchSize >= 2, nCritic >= 1, classifierSteps >= 0, warmupSteps >= 0 else {
      throw HomoInterpError.badTraining("steps > 0, batch ≥ 2, nCritic ≥ 1, classifier/warm-up steps ≥ 0 are required")
    }
    if let microBatches, microBatches < 1 || batchSize % microBatches != 0 || batchSize / microBatches < 2 {
      throw HomoInterpError.badTraining(
        "micro-batches \(microBatches) must divide the batch \(batchSize) into parts of 2 faces or more")
    }
    guard learningRate > 0, classifierLearningRate > 0, (warmupLearningRate ?? 1) > 0, (0..<1).contains(beta1), (0..<1).contains(beta2) else {
      throw HomoInterpError.badTraining("learning rates must be positive and betas in [0, 1)")
    }
    let w = weights
    for (name, v) in [
      ("reconstruction", w.reconstruction), ("perceptual", w.perceptual), ("projection", w.projection),
      ("gradient-penalty", w.gradientPenalty), ("critic-attribute", w.criticAttribute), ("adversarial", w.adversarial),
      ("attribute", w.attribute), ("interpolate-all", w.interpolateAll), ("pixel-attribute", w.pixelAttribute),
      ("reconstruction-attribute", w.reconstructionAttribute), ("reconstruction-gradient", w.reconstructionGradient),
    ] where !(v.isFinite && v >= 0) {
      throw HomoInterpError.badTraining("loss weight \(name) must be finite and ≥ 0, got \(v)")
    }
    guard (decoderPolishSteps ?? 0) >= 0, (decoderPolishLearningRate ?? 1) > 0, (decoderPolishLearningRate ?? 1).isFinite else {
      throw HomoInterpError.badTraining(
        "decoder polish: steps must be ≥ 0 (got \(decoderPolishSteps ?? 0)) and its learning rate > 0 (got \(decoderPolishLearningRate ?? 0))")
    }
    guard (decoderPolishSteps ?? 0) <= steps - classifierSteps - warmupSteps || (decoderPolishSteps ?? 0) == 0 else {
      throw HomoInterpError.badTraining(
        "decoder polish of \(decoderPolishSteps ?? 0) steps does not fit after the classifier (\(classifierSteps)) and warm-up (\(warmupSteps)) in \(steps) steps")
    }
    guard (classifierGrid ?? 1) >= 1 else { throw HomoInterpError.badTraining("classifier grid must be ≥ 1, got \(classifierGrid ?? 1)") }
    guard (0...1).contains(classifierMixup ?? 0) else {
      throw HomoInterpError.badTraining("classifier mixup chance must be in 0...1, got \(classifierMixup ?? 0)")
    }
    guard (classifierRefreshEvery ?? 0) >= 0 else {
      throw HomoInterpError.badTraining("classifier refresh interval must be ≥ 0 (0: never), got \(classifierRefreshEvery ?? 0)")
    }
    if (classifierRefreshEvery ?? 0) > 0 && refreshedClassifierSteps == 0 {
      throw HomoInterpError.badTraining("a refreshed classifier needs training steps: set classifier steps (or its retraining steps) > 0")
    }
    guard (0...1).contains(singleGroupProbability) else { throw HomoInterpError.badTraining("single-group probability must be in 0...1") }
    guard (0...1).contains(fullStrengthProbability ?? 0) else {
      throw HomoInterpError.badTraining("full-strength probability must be in 0...1, got \(fullStrengthProbability ?? 0)")
    }
    for (name, weight) in groupWeights ?? [:] where !(weight.isFinite && weight >= 0) {
      throw HomoInterpError.badTraining("group weight of \(name) must be finite and ≥ 0, got \(weight)")
    }
    if teacherVGG19 == nil && classifierSteps == 0 && (w.perceptual > 0 || w.projection > 0) {
      throw HomoInterpError.badTraining("without a VGG19 teacher the classifier is the teacher: classifier steps must be > 0")
    }
    for (name, v) in [("pixel-attribute", w.pixelAttribute), ("reconstruction-attribute", w.reconstructionAttribute)]
    where classifierSteps == 0 && v > 0 {
      throw HomoInterpError.badTraining("the \(name) loss needs the classifier: set classifier steps > 0 or its weight to 0")
    }
  }

  /// The single-group weights of `groups`, in order (1 where `groupWeights` names none).
  /// Throws, listing the groups, for a name that is not one of them or weights that are all 0.
  public func singleGroupWeights(_ groups: [AttributeGroup]) throws -> [Double] {
    let names = groups.map(\.name)
    for name in (groupWeights ?? [:]).keys.sorted() where !names.contains(name) {
      throw HomoInterpError.badTraining("group weights: no group '\(name)' in this run (its groups: \(names.joined(separator: ", ")))")
    }
    let weights = names.map { groupWeights?[$0] ?? 1 }
    guard weights.contains(where: { $0 > 0 }) else {
      throw HomoInterpError.badTraining("group weights: every group weighs 0, so no single-group batch could be drawn")
    }
    return weights
  }

  /// `NAME=WEIGHT,…` (e.g. `hair_color=3,skin=2`) as group weights; nil for an empty text.
  public static func parseGroupWeights(_ text: String) throws -> [String: Double]? {
    var weights: [String: Double] = [:]
    for field in text.split(separator: ",") {
      let parts = field.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty, let weight = Double(parts[1]), weight.isFinite, weight >= 0 else {
        throw HomoInterpError.badTraining("group weights: '\(field)' must be GROUP=WEIGHT with a weight ≥ 0, e.g. hair_color=3")
      }
      guard weights[parts[0]] == nil else { throw HomoInterpError.badTraining("group weights: '\(parts[0])' is given twice") }
      weights[parts[0]] = weight
    }
    return weights.isEmpty ? nil : weights
  }

  /// Steps a refreshed classifier trains (`classifierRefreshEvery`): the last retraining's,
  /// else the first training's.
  public var refreshedClassifierSteps: Int { classifierRetrainSteps ?? classifierSteps }

  /// Seed of the classifier that starts afresh at step `s` of a refreshing run: the
  /// classifier's seed moved on by the step, so every refresh draws a different judge and a
  /// resumed run draws the same one again.
  public func classifierSeed(refreshedAt s: Int) -> UInt64 {
    (classifierSeed ?? seed) &+ UInt64(s) &* 0x9E37_79B9
  }

  /// Whether a refreshing run starts its classifier afresh before step `s` (0-based): a full
  /// step on the interval, past the first full step (the classifier is new there anyway),
  /// and not already done at `s` (a run resumed right after a refresh does not repeat it).
  public func classifierRefreshDue(at s: Int) -> Bool {
    guard let every = classifierRefreshEvery, every > 0, s % every == 0, s > 0 else { return false }
    return phase(at: s) == .full && phase(at: s - 1) == .full && classifierRetrainedAtStep != s
  }

  /// Which phase step `s` (0-based) is in.
  public func phase(at s: Int) -> HomoInterpPhase {
    if s < classifierSteps { return .classifier }
    if s < classifierSteps + warmupSteps { return .warmup }
    if let polish = decoderPolishSteps, polish > 0, s >= steps - polish { return .decoderPolish }
    return .full
  }

  /// The decoder polish's learning rate at step `s` (0-based): from
  /// `decoderPolishLearningRate` at its first step along a half cosine towards 0 at the
  /// run's end. A function of the step alone, so a resumed polish continues exactly.
  public func decoderPolishLearningRate(at s: Int) -> Float {
    let polish = max(1, decoderPolishSteps ?? 1)
    let progress = min(1, max(0, Double(s - (steps - polish)) / Double(polish)))
    return (decoderPolishLearningRate ?? learningRate) * Float(0.5 * (1 + cos(Double.pi * progress)))
  }
}

/// Training phases, in order.
public enum HomoInterpPhase: String, Codable, Sendable {
  /// The attribute classifier (teacher / pixel judge) learns the data's attributes.
  case classifier
  /// Encoder, decoder and projection learn to reconstruct.
  case warmup
  /// All losses of DESIGN.md §2.
  case full
  /// The decoder alone learns to reconstruct from the fixed encoder's latents
  /// (`HomoInterpTrainingOptions.decoderPolishSteps`).
  case decoderPolish = "decoder-polish"
}

/// What the trainer reports after each step.
public struct HomoInterpStepReport: Sendable {
  public var step: Int
  public var totalSteps: Int
  public var phase: HomoInterpPhase
  /// Loss values by name (only those computed this step).
  public var losses: [String: Float]
  /// Relative per-image latent spread (std across the batch / RMS), nil in the classifier phase.
  public var latentSpread: Float?
  /// Set when the spread fell under the collapse threshold.
  public var collapseWarning: String?
  public var seconds: Double
}
