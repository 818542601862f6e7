import Foundation
import MorphNN
import MorphTensor

/// Trains a `HomoInterpModel` with the losses and update schedule of DESIGN.md §2
/// (WGAN-GP through double backward, Adam 2e-4 (0.5, 0.999)), preceded by an attribute
/// classifier phase (teacher / pixel judge) and a reconstruction warm-up (issue 10).
///
/// Every step draws its randomness from `seed` and the step number alone, so a run resumed
/// from a checkpoint continues exactly as if it had not stopped.
public final class HomoInterpTrainer {
  public let model: HomoInterpModel
  public let data: HomoInterpData
  public private(set) var options: HomoInterpTrainingOptions
  /// The Morph-trained attribute classifier (nil with a VGG19 teacher and no pixel loss).
  public let classifier: HomoInterpAttributeClassifier?
  public let teacher: any HomoInterpTeacher
  /// Steps done so far (the next step has this 0-based number).
  public private(set) var step = 0
  /// Latent spread at the start of the full phase: the reference for the collapse warning.
  public private(set) var referenceSpread: Float?
  /// The last checkpoint written, named in the NaN/Inf stop message.
  public private(set) var lastCheckpoint: URL?
  /// Classifier retraining steps `run` does before continuing (set by `resume`).
  public internal(set) var pendingClassifierSteps = 0
  /// The ranks this trainer shares its steps with (`joinDataParallel`); nil: one process.
  public internal(set) var dataParallel: (any DataParallelGroup)?

  let aeOptimizer: Adam
  let interpolatorOptimizer: Adam
  let criticOptimizer: Adam
  let classifierOptimizer: Adam?
  /// See `frozenDecoder()`.
  private var frozenDecoderTwin: HomoInterpDecoder?
  /// `options.singleGroupWeights` of the model's groups, or nil when the options give none.
  let singleGroupWeights: [Double]?

  /// A fresh run. `config.groups` are intersected with the data's attributes and
  /// `projectionChannels` is set from the teacher.
  public convenience init(config: HomoInterpConfig, data: HomoInterpData, options: HomoInterpTrainingOptions) throws {
    try self.init(config: config, data: data, options: options, modelSeed: options.seed)
  }

  /// A new run whose encoder, interpolator, decoder, critic and projection start from the
  /// weights of the checkpoint at `url` (a training checkpoint or an exported F16 one) instead
  /// of He init: fine-tuning a shipped model, or going on with it on a machine where its
  /// optimiser state and classifier are not at hand. Optimisers start afresh and the
  /// classifier trains its `classifierSteps` first, as in any run; the checkpoint's path and
  /// step are recorded in the options. `config` must describe the checkpoint's model, except
  /// that a larger `decoderMinChannels` widens its decoder first (`widenedDecoder`), other
  /// `interpolatorDilations` re-dilate its interpolator (`withInterpolatorDilations`),
  /// `interpolatorContext` true lets its branches see the source (`withInterpolatorSeeingSource`),
  /// `interpolatorGlobal` true adds pooled terms to them (`withInterpolatorPoolingGlobally`),
  /// and nil (or false) keeps the checkpoint's in all four.
  public convenience init(config: HomoInterpConfig, data: HomoInterpData, options: HomoInterpTrainingOptions, initialWeights url: URL) throws {
    var (model, info, _) = try HomoInterpModel.loadCheckpoint(from: url)
    try Self.checkShape(of: config, against: model.config, checkpoint: url)
    var config = config
    let stored = model.config.decoderMinChannels
    if let wanted = config.decoderMinChannels, wanted > (stored ?? 1) {
      model = try model.widenedDecoder(minChannels: wanted, seed: options.seed)
    } else if config.decoderMinChannels == nil {
      config.decoderMinChannels = stored
    }
    if let dilations = config.interpolatorDilations, model.config.branchDilations != dilations {
      model = try model.withInterpolatorDilations(dilations)
    }
    // Asked-for dilations are now the model's (nil and 1,1,1 both mean plain branches).
    config.interpolatorDilations = model.config.interpolatorDilations
    if config.interpolatorContext == true {
      model = try model.withInterpolatorSeeingSource()
    } else {
      // Unasked (or asked off, which cannot take trained source weights away): the model's own.
      config.interpolatorContext = model.config.interpolatorContext
    }
    if config.interpolatorGlobal == true {
      model = try model.withInterpolatorPoolingGlobally()
    } else {
      config.interpolatorGlobal = model.config.interpolatorGlobal
    }
    var options = options
    options.initialWeights = HomoInterpModel.checkpointPaths(url).weights.path
    options.initialWeightsStep = info.step
    try self.init(config: config, data: data, options: options, modelSeed: options.seed, model: model, modelSource: url)
  }

  /// Throws, naming the file and each differing field with both values, unless `config` asks
  /// for the image size, width and poolings the checkpoint's model has (nothing can convert
  /// those; everything else either matches later or is converted above).
  static func checkShape(of config: HomoInterpConfig, against stored: HomoInterpConfig, checkpoint url: URL) throws {
    var differences: [String] = []
    if config.imageSize != stored.imageSize { differences.append("size \(config.imageSize), the checkpoint's is \(stored.imageSize)") }
    if config.width != stored.width { differences.append("width \(config.width), the checkpoint's is \(stored.width)") }
    if config.poolings != stored.poolings { differences.append("poolings \(config.poolings), the checkpoint's is \(stored.poolings)") }
    guard differences.isEmpty else {
      throw HomoInterpError.badTraining(
        "\(HomoInterpModel.checkpointPaths(url).weights.path): a run seeded by this checkpoint must build its model, but it asks for "
          + differences.joined(separator: "; ")
          + " (set size \(stored.imageSize), width \(stored.width), poolings \(stored.poolings))")
    }
  }

  init(
    config: HomoInterpConfig, data: HomoInterpData, options: HomoInterpTrainingOptions, modelSeed: UInt64,
    model given: HomoInterpModel? = nil, modelSource: URL? = nil
  ) throws {
    try options.validate()
    self.data = data
    self.options = options
    let needClassifier = options.needsClassifier
    let totalAttributes = data.groups.reduce(0) { $0 + $1.attributes.count }
    let grid = options.classifierGrid ?? 1
    if needClassifier, config.latentSide % grid != 0 {
      throw HomoInterpError.badTraining(
        "classifier grid \(grid) does not divide the \(config.latentSide)×\(config.latentSide) feature map")
    }
    let cls = needClassifier
      ? Self.freshClassifier(config, attributes: totalAttributes, grid: grid, seed: options.classifierSeed ?? modelSeed)
      : nil
    classifier = cls
    if let path = options.teacherVGG19 {
      teacher = try VGG19Teacher(url: URL(fileURLWithPath: path), poolings: config.poolings)
    } else if let cls {
      teacher = cls
    } else {
      throw HomoInterpError.badTraining("no teacher: give a VGG19 file or train the classifier")
    }
    var full = config
    full.groups = data.groups
    full.projectionChannels = teacher.deepChannels
    if let given {
      guard given.config == full else {
        let source = modelSource.map { "\(HomoInterpModel.checkpointPaths($0).weights.path): " } ?? ""
        throw HomoInterpError.badTraining(
          "\(source)the checkpoint's model is \(given.config), but this run (its options, data and teacher) builds \(full); give data with the same attribute groups, the same kind of teacher, and matching size, width and poolings")
      }
      model = given
    } else {
      model = try HomoInterpModel(validating: full, seed: modelSeed)
    }
    singleGroupWeights = options.groupWeights == nil ? nil : try options.singleGroupWeights(model.config.groups)
    let betas = (options.beta1, options.beta2)
    aeOptimizer = Adam(
      model.encoder.namedParameters(prefix: "encoder.") + model.decoder.namedParameters(prefix: "decoder.")
        + model.projection.namedParameters(prefix: "projection."), learningRate: options.learningRate, betas: betas)
    interpolatorOptimizer = Adam(model.interpolator.namedParameters(prefix: "interpolator."), learningRate: options.learningRate, betas: betas)
    criticOptimizer = Adam(model.critic.namedParameters(prefix: "critic."), learningRate: options.learningRate, betas: betas)
    classifierOptimizer = cls.map { Adam($0.namedParameters(prefix: "classifier."), learningRate: options.classifierLearningRate) }
    model.train()
  }

  /// Continues the run saved at `url` on the face set in `dataDirectory`, read with the
  /// checkpoint's image size, groups, jitter and seed.
  /// `adjust` may change the stored options (loss weights, learning rate …) before training
  /// continues; the new values are saved with the next checkpoint.
  public static func resume(
    from url: URL, dataDirectory: URL, steps: Int? = nil, retrainClassifier: Int = 0,
    adjust: (inout HomoInterpTrainingOptions) -> Void = { _ in }
  ) throws -> HomoInterpTrainer {
    let file = HomoInterpModel.checkpointPaths(url).metadata
    let info = try HomoInterpModel.readInfo(file)
    guard let json = info.metadata["options"], let options = try? JSONDecoder().decode(HomoInterpTrainingOptions.self, from: Data(json.utf8)) else {
      throw HomoInterpError.badCheckpoint(file: file.path, message: "metadata has no valid 'options': not a training checkpoint")
    }
    let data = try HomoInterpData(
      directory: dataDirectory, groups: info.config.groups, imageSize: info.config.imageSize,
      jitter: options.jitter ? HomoInterpData.defaultJitter : nil, seed: options.seed)
    return try resume(from: url, data: data, steps: steps, retrainClassifier: retrainClassifier, adjust: adjust)
  }

  /// Continues the run saved at `url`. `steps` (when given) replaces the total step count, so
  /// a finished run can be extended; everything else comes from the checkpoint.
  ///
  /// `retrainClassifier` > 0 starts the attribute classifier afresh (with the options' grid,
  /// possibly changed by `adjust`) instead of loading it, and `run` trains it for that many
  /// steps before continuing: a run whose teacher/judge learned too little can be repaired
  /// without losing its encoder and decoder. The retraining is recorded in the options.
  public static func resume(
    from url: URL, data: HomoInterpData, steps: Int? = nil, retrainClassifier: Int = 0,
    adjust: (inout HomoInterpTrainingOptions) -> Void = { _ in }
  ) throws -> HomoInterpTrainer {
    let (model, info, tensors) = try HomoInterpModel.loadCheckpoint(from: url)
    let file = HomoInterpModel.checkpointPaths(url).metadata.path
    guard let json = info.metadata["options"], var options = try? JSONDecoder().decode(HomoInterpTrainingOptions.self, from: Data(json.utf8)) else {
      throw HomoInterpError.badCheckpoint(file: file, message: "metadata has no valid 'options': not a training checkpoint")
    }
    if let stored = info.metadata["data_hash"], stored != data.hash {
      throw HomoInterpError.badCheckpoint(file: file, message: "was trained on data \(stored), but \(data.directory.path) is \(data.hash)")
    }
    if let steps { options.steps = steps }
    adjust(&options)
    guard retrainClassifier >= 0 else { throw HomoInterpError.badTraining("classifier retraining steps must be ≥ 0") }
    if retrainClassifier > 0 {
      options.classifierRetrainedAtStep = info.step
      options.classifierRetrainSteps = retrainClassifier
    }
    guard let seedText = info.metadata["model_seed"], let modelSeed = UInt64(seedText) else {
      throw HomoInterpError.badCheckpoint(file: file, message: "metadata has no 'model_seed'")
    }
    let trainer = try HomoInterpTrainer(config: info.config, data: data, options: options, modelSeed: modelSeed, model: model)
    if retrainClassifier > 0 && trainer.classifier == nil {
      throw HomoInterpError.badTraining("this run has no attribute classifier to retrain (VGG19 teacher without the pixel-attribute loss)")
    }
    try trainer.restore(tensors: tensors, file: HomoInterpModel.checkpointPaths(url).weights.path, classifier: retrainClassifier == 0)
    trainer.pendingClassifierSteps = retrainClassifier
    trainer.step = info.step
    trainer.referenceSpread = info.metadata["reference_spread"].flatMap(Float.init)
    trainer.lastCheckpoint = url
    trainer.model.train()
    return trainer
  }

  // MARK: - Checkpoints

  var optimizers: [(String, Adam)] {
    [("ae", aeOptimizer), ("interpolator", interpolatorOptimizer), ("critic", criticOptimizer)]
      + (classifierOptimizer.map { [("classifier", $0)] } ?? [])
  }

  func restore(tensors: [String: Tensor], file: String, classifier loadClassifier: Bool = true) throws {
    do {
      for (name, opt) in optimizers where loadClassifier || name != "classifier" {
        let prefix = "optimizer.\(name)."
        var state: [String: Tensor] = [:]
        for (k, v) in tensors where k.hasPrefix(prefix) { state[String(k.dropFirst(prefix.count))] = v }
        try opt.load(state: state)
      }
      if let classifier, loadClassifier {
        var state: [String: Tensor] = [:]
        for (k, v) in tensors where k.hasPrefix("trainer.classifier.") { state[String(k.dropFirst("trainer.classifier.".count))] = v }
        try classifier.load(stateDict: state)
      }
    } catch {
      throw HomoInterpError.badCheckpoint(file: file, message: "training state: \(error)")
    }
  }

  /// Writes model, optimiser and classifier state plus metadata (config, step, groups, data
  /// hash, options, seed, teacher), atomically.
  public func saveCheckpoint(to url: URL, extraMetadata: [String: String] = [:]) throws {
    var extra: [String: Tensor] = [:]
    for (name, opt) in optimizers {
      for (k, v) in opt.state() { extra["optimizer.\(name).\(k)"] = v }
    }
    if let classifier { for (k, v) in classifier.stateDict() { extra["trainer.classifier.\(k)"] = v } }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var meta = extraMetadata
    meta["options"] = String(decoding: try encoder.encode(options), as: UTF8.self)
    meta["data"] = data.directory.path
    meta["data_hash"] = data.hash
    meta["model_seed"] = String(options.seed)
    meta["rng"] = "per-step RandomGenerator(seed ^ step), seed \(options.seed)"
    meta["teacher"] = teacher.description
    meta["phase"] = options.phase(at: max(0, step - 1)).rawValue
    if let referenceSpread { meta["reference_spread"] = String(referenceSpread) }
    try model.save(to: url, step: step, metadata: meta, extra: extra)
    lastCheckpoint = url
  }

  // MARK: - Steps

  /// The randomness of step `s`.
  func generator(for s: Int) -> RandomGenerator {
    RandomGenerator(seed: options.seed ^ (UInt64(s) &* 0x9E37_79B9_7F4A_7C15) ^ 0x5EED)
  }

  /// Runs one step of the current phase and reports its losses.
  public func trainStep() throws -> HomoInterpStepReport {
    let start = Date()
    let s = step
    var rng = generator(for: s)
    let batch = try drawStepBatch(&rng, number: s)
    let phase = options.phase(at: s)
    switch phase {
    case .classifier:
      classifierOptimizer?.learningRate =
        options.classifierLearningRate * Self.classifierDecay(progress: Double(s) / Double(max(1, options.classifierSteps)))
      try classifierStep(batch)
    case .warmup:
      aeOptimizer.learningRate = options.warmupLearningRate ?? options.learningRate
      try autoencoderStep(batch, full: false)
    case .full:
      aeOptimizer.learningRate = options.learningRate
      try autoencoderStep(batch, full: true)
    case .decoderPolish:
      aeOptimizer.learningRate = options.decoderPolishLearningRate(at: s)
      try decoderPolishStep(batch)
    }
    let (losses, spread) = try batch.finish(group: dataParallel)
    step += 1
    var warning: String?
    if let spread, phase == .full {
      if referenceSpread == nil { referenceSpread = spread }
      let ref = referenceSpread ?? spread
      if spread < options.collapseThreshold || spread < 0.25 * ref {
        warning = String(
          format: "latent collapse: per-image spread %.3f (threshold %.3f, %.3f at the start of the full phase) — the encoder maps different faces to nearly the same latent",
          spread, options.collapseThreshold, ref)
      }
    }
    return HomoInterpStepReport(
      step: step, totalSteps: options.steps, phase: phase, losses: losses, latentSpread: spread, collapseWarning: warning,
      seconds: Date().timeIntervalSince(start))
  }

  func checkFinite(_ values: [String: Float]) throws {
    for (name, v) in values.sorted(by: { $0.key < $1.key }) where !v.isFinite {
      throw HomoInterpError.nonFinite(step: step + 1, loss: name, lastCheckpoint: lastCheckpoint?.path)
    }
  }

  /// Runs the pending classifier retraining (see `resume`), reporting each step as
  /// `step i of N` in the classifier phase. Its batches come from their own seeded stream.
  public func retrainClassifier(onStep: (HomoInterpStepReport) -> Void) throws {
    try retrainClassifier(seed: options.classifierSeed ?? options.seed, onStep: onStep)
  }

  /// Starts the classifier afresh from the seed of a refresh at the current step
  /// (`HomoInterpTrainingOptions.classifierSeed(refreshedAt:)`): new weights, a new
  /// optimiser state, then `refreshedClassifierSteps` of training reported as `retrainClassifier`
  /// does. Recorded in the options (`classifierRetrainedAtStep`).
  public func refreshClassifier(onStep: (HomoInterpStepReport) -> Void) throws {
    guard let classifier, let opt = classifierOptimizer else {
      throw HomoInterpError.badTraining("this run has no attribute classifier to refresh (VGG19 teacher without the pixel-attribute loss)")
    }
    let seed = options.classifierSeed(refreshedAt: step)
    let fresh = Self.freshClassifier(model.config, attributes: classifier.head.weight.shape[0], grid: classifier.grid, seed: seed)
    try classifier.load(stateDict: fresh.stateDict())
    classifier.setFrozen(true)
    opt.reset()
    options.classifierRetrainedAtStep = step
    pendingClassifierSteps = options.refreshedClassifierSteps
    try retrainClassifier(seed: seed, onStep: onStep)
  }

  /// A classifier with the initial weights `seed` gives, for a model of `config`'s image size
  /// and poolings: the one rule for a run's first classifier and every refreshed one.
  static func freshClassifier(_ config: HomoInterpConfig, attributes: Int, grid: Int, seed: UInt64) -> HomoInterpAttributeClassifier {
    var rng = RandomGenerator(seed: seed ^ 0xC1A5_51F1)
    return HomoInterpAttributeClassifier(imageSize: config.imageSize, poolings: config.poolings, attributes: attributes, grid: grid, rng: &rng)
  }

  /// Trains the classifier `pendingClassifierSteps` on batches drawn from `seed`'s own stream.
  func retrainClassifier(seed: UInt64, onStep: (HomoInterpStepReport) -> Void) throws {
    let total = pendingClassifierSteps
    for i in 0..<total {
      let start = Date()
      var rng = RandomGenerator(seed: seed ^ (UInt64(i + 1) &* 0x9E37_79B9_7F4A_7C15) ^ 0xC1A5_5EED)
      let batch = try drawStepBatch(&rng, number: i)
      classifierOptimizer?.learningRate = options.classifierLearningRate * Self.classifierDecay(progress: Double(i) / Double(total))
      try classifierStep(batch)
      let (losses, _) = try batch.finish(group: dataParallel)
      pendingClassifierSteps = total - i - 1
      onStep(
        HomoInterpStepReport(
          step: i + 1, totalSteps: total, phase: .classifier, losses: losses, latentSpread: nil, collapseWarning: nil,
          seconds: Date().timeIntervalSince(start)))
    }
  }

  /// Learning-rate factor of the classifier over its training: full rate, then 0.3× for the
  /// last 30 % and 0.1× for the last 10 % (the noisy batch-8 loss settles lower).
  static func classifierDecay(progress: Double) -> Float {
    progress >= 0.9 ? 0.1 : progress >= 0.7 ? 0.3 : 1
  }

  /// One classifier step on the batch's parts, each blended by `ClassifierMixup` when the
  /// options ask (drawing from the part's generator only then, so runs without it keep their
  /// streams).
  func classifierStep(_ batch: HomoInterpStepBatch) throws {
    guard let classifier, let opt = classifierOptimizer else { return }
    classifier.setFrozen(false)
    defer { classifier.setFrozen(true) }
    opt.zeroGrad()
    try batch.forEach { i, losses in
      var (x, z) = (batch.parts[i].images, batch.parts[i].targets)
      if let chance = options.classifierMixup, chance > 0 {
        (x, z) = try ClassifierMixup.mix(images: x, targets: z, probability: chance, rng: &batch.parts[i].rng)
      }
      let loss = bceWithLogitsLoss(try classifier.logits(x), z)
      losses["classifier"] = loss.item
      try checkFinite(losses)
      try loss.backward()
    }
    try combineGradients([opt], batch)
    opt.step()
  }

  /// Marks the critic's weights as (not) receiving gradients: the interpolator's losses
  /// pass through the critic without training it.
  func setCriticTrainable(_ on: Bool) {
    for p in model.critic.parameters { p.requiresGrad = on }
  }

  /// The decoder with this step's weights as constants: gradients pass through it to its
  /// input but not into the weights. A twin rather than switching `requiresGrad` off, because
  /// the reconstruction loss trains the same weights in the same backward pass. Loading shares
  /// the weights' storage (copy on write), so a step costs no copy.
  func frozenDecoder() throws -> HomoInterpDecoder {
    if frozenDecoderTwin == nil {
      var rng = RandomGenerator(seed: 0)
      frozenDecoderTwin = HomoInterpDecoder(config: model.config, rng: &rng)
    }
    guard let twin = frozenDecoderTwin else { throw HomoInterpError.badTraining("no decoder twin") }
    try twin.load(stateDict: model.decoder.stateDict(), strict: true)
    for p in twin.parameters { p.requiresGrad = false }
    twin.train(model.decoder.isTraining)
    return twin
  }

  /// A part's latents between the critic's half of a step and the generator's: with and
  /// without the encoder's graph, their spread, and the edits the critic's half drew.
  struct LatentPart {
    let f: Tensor
    let fd: Tensor
    let spread: Float
    var edits: (perm: [Int], strengths: Tensor, targets: Tensor)?
  }

  /// Warm-up (reconstruction, perceptual, projection) or a full step (plus critic every step
  /// and interpolator every `nCritic` steps) on the batch's parts. Each optimiser steps once,
  /// after the backward passes of all parts (`combineGradients`); the critic steps before
  /// the interpolator's losses read it.
  func autoencoderStep(_ batch: HomoInterpStepBatch, full: Bool) throws {
    let w = options.weights
    let frozen = full && options.autoencoderFrozen
    var latents: [LatentPart] = []
    try batch.forEach { i, _ in
      let x = batch.parts[i].images
      let f = frozen ? try withoutGrad { try model.encoder(x) } : try model.encoder(x)
      let spread = HomoInterpLosses.latentSpread(f)
      batch.recordSpread(spread)
      latents.append(LatentPart(f: f, fd: f.detached(), spread: spread))
    }
    var generatorStep = false
    if full {
      // Critic: WGAN-GP on latents, attribute heads on real latents.
      setCriticTrainable(true)
      criticOptimizer.zeroGrad()
      try batch.forEach { i, losses in
        let z = batch.parts[i].targets, fd = latents[i].fd, n = fd.shape[0]
        let (perm, v, zi) = sampleEdits(n: n, z: z, rng: &batch.parts[i].rng)
        latents[i].edits = (perm, v, zi)
        let fakeD = try withoutGrad { try model.interpolator(source: fd, reference: fd.indexSelect(perm), strengths: v) }
        let hReal = try model.critic.features(fd), hFake = try model.critic.features(fakeD)
        let wasserstein = try model.critic.score(features: hFake).mean() - model.critic.score(features: hReal).mean()
        let eps = (0..<n).map { _ in batch.parts[i].rng.nextUniform() }
        let gp = try HomoInterpLosses.gradientPenalty(critic: model.critic, real: fd, fake: fakeD, eps: eps)
        let criticAttr = bceWithLogitsLoss(try model.critic.attributeLogits(features: hReal), z)
        let criticLoss = wasserstein + gp * w.gradientPenalty + criticAttr * w.criticAttribute
        losses["critic_wasserstein"] = wasserstein.item
        losses["critic_gp"] = gp.item
        losses["critic_attribute"] = criticAttr.item
        try checkFinite(losses)
        try criticLoss.backward()
      }
      try combineGradients([criticOptimizer], batch)
      criticOptimizer.step()
      criticOptimizer.zeroGrad()
      setCriticTrainable(false)
      generatorStep = step % options.nCritic == 0
    }
    if frozen {
      // Encoder, decoder and projection stay as they are: only the interpolator's losses
      // take a step, and the reconstruction is not computed at all.
      try interpolatorOnlyStep(batch, latents: latents, generatorStep: generatorStep)
      return
    }
    aeOptimizer.zeroGrad()
    interpolatorOptimizer.zeroGrad()
    defer { setCriticTrainable(true) }
    try batch.forEach { i, losses in
      let x = batch.parts[i].images, z = batch.parts[i].targets, n = x.shape[0]
      let part = latents[i]
      var decodedInput = part.f
      var terms: [(String, Float, Tensor)] = []
      if generatorStep, let edits = part.edits {
        terms = try editTerms(part, edits, frozen: false, decodedInput: &decodedInput)
      }
      // The teacher's targets serve the reconstruction losses only, so a frozen step skips them.
      let (targetPerceptual, targetDeep) = try withoutGrad { try teacher.features(x) }
      let decoded = try model.decoder(decodedInput)
      let recon = decodedInput.shape[0] == n ? decoded : decoded.narrow(axis: 0, start: 0, length: n)
      terms += try reconstructionLosses(recon, of: x, attributes: z, teacherFeatures: targetPerceptual)
      terms.append(("projection", w.projection, mseLoss(try model.projection(part.f), targetDeep)))
      if generatorStep, let zi = part.edits?.targets, let classifier, w.pixelAttribute > 0, decoded.shape[0] == 2 * n {
        let edited = decoded.narrow(axis: 0, start: n, length: n)
        terms.append(("pixel_attribute", w.pixelAttribute, bceWithLogitsLoss(try classifier.logits(edited), zi)))
      }
      let total = weightedSum(terms, recordingIn: &losses)
      losses["latent_spread"] = part.spread
      try checkFinite(losses)
      try total.backward()
    }
    try combineGradients(generatorStep ? [aeOptimizer, interpolatorOptimizer] : [aeOptimizer], batch)
    aeOptimizer.step()
    if generatorStep { interpolatorOptimizer.step() }
  }

  /// The interpolator's losses on a part's `edits` (adversarial, attribute, interpolate-all,
  /// pixel-attribute), named and weighted. When the pixel-attribute loss trains the decoder
  /// (and the autoencoder is not `frozen`), the edits are appended to `decodedInput` for the
  /// reconstruction's decoder pass instead, and the caller adds that term.
  func editTerms(
    _ part: LatentPart, _ edits: (perm: [Int], strengths: Tensor, targets: Tensor), frozen: Bool, decodedInput: inout Tensor
  ) throws -> [(String, Float, Tensor)] {
    let w = options.weights
    let (f, fd, n) = (part.f, part.fd, part.f.shape[0])
    var terms: [(String, Float, Tensor)] = []
    let fe = options.editLossesReachEncoder ? f : fd
    let fi = try model.interpolator(source: fe, reference: fe.indexSelect(edits.perm), strengths: edits.strengths)
    let h = try model.critic.features(fi)
    terms.append(("adversarial", w.adversarial, -(try model.critic.score(features: h)).mean()))
    terms.append(("attribute", w.attribute, bceWithLogitsLoss(try model.critic.attributeLogits(features: h), edits.targets)))
    let fa = options.interpolateAllReachesEncoder ? f : fd
    let ones = Tensor.ones([n, model.interpolator.branchCount])
    let all = try model.interpolator(source: fa, reference: fa.indexSelect(edits.perm), strengths: ones)
    terms.append(("interpolate_all", w.interpolateAll, mseLoss(all, fd.indexSelect(edits.perm))))
    if w.pixelAttribute > 0 {
      if options.pixelAttributeTrainsDecoder && !frozen {
        decodedInput = Tensor.concat([f, fi], axis: 0)
      } else if let classifier {
        // The decoder's weights take no step from this loss: it judges the interpolator's
        // edits, and a decoder trained to paint attributes the classifier likes forgets
        // how to reconstruct (the loss 0.02 -> 0.08 within 200 steps at weight 3).
        let edited = try frozenDecoder()(fi)
        terms.append(("pixel_attribute", w.pixelAttribute, bceWithLogitsLoss(try classifier.logits(edited), edits.targets)))
      }
    }
    return terms
  }

  /// The interpolator's step of a full step with the autoencoder frozen: its edit losses
  /// (none on a step where it does not train) and nothing else.
  func interpolatorOnlyStep(_ batch: HomoInterpStepBatch, latents: [LatentPart], generatorStep: Bool) throws {
    defer { setCriticTrainable(true) }
    interpolatorOptimizer.zeroGrad()
    try batch.forEach { i, losses in
      losses["latent_spread"] = latents[i].spread
      guard generatorStep, let edits = latents[i].edits else { return }
      var decodedInput = latents[i].f
      let total = weightedSum(try editTerms(latents[i], edits, frozen: true, decodedInput: &decodedInput), recordingIn: &losses)
      try checkFinite(losses)
      try total.backward()
    }
    guard generatorStep else { return }
    try combineGradients([interpolatorOptimizer], batch)
    interpolatorOptimizer.step()
  }

  /// One step of the decoder polish: the decoder alone takes a step on the reconstruction
  /// losses of the run (the encoder runs without gradients, so it, the interpolator, the
  /// critic and the projection stay as they are) and, when `polishEdit` is on, on the
  /// judge's reading of the fixed interpolator's edits of the same faces.
  func decoderPolishStep(_ batch: HomoInterpStepBatch) throws {
    let w = options.weights
    aeOptimizer.zeroGrad()
    try batch.forEach { i, losses in
      let x = batch.parts[i].images, z = batch.parts[i].targets
      let (targetPerceptual, _) = try withoutGrad { try teacher.features(x) }
      let f = try withoutGrad { try model.encoder(x) }
      let spread = HomoInterpLosses.latentSpread(f)
      batch.recordSpread(spread)
      var terms = try reconstructionLosses(try model.decoder(f), of: x, attributes: z, teacherFeatures: targetPerceptual)
      if w.polishEdit > 0, let classifier {
        terms.append(("polish_edit", w.polishEdit, try polishEditLoss(f, z, classifier: classifier, rng: &batch.parts[i].rng)))
      }
      let total = weightedSum(terms, recordingIn: &losses)
      losses["latent_spread"] = spread
      try checkFinite(losses)
      try total.backward()
    }
    try combineGradients([aeOptimizer], batch)
    aeOptimizer.step()
  }

  /// The losses that train the decoder to redraw the faces `x` it reconstructed as `recon`,
  /// named and weighted: pixel MSE, and those of them the run turns on — perceptual (against
  /// the teacher's features of `x`), the judge's reading of the reconstruction against the
  /// faces' attributes `z`, the difference of image gradients. Full, warm-up and decoder-polish
  /// steps train the decoder on the same terms.
  func reconstructionLosses(_ recon: Tensor, of x: Tensor, attributes z: Tensor, teacherFeatures: [Tensor]) throws -> [(String, Float, Tensor)] {
    let w = options.weights
    var terms: [(String, Float, Tensor)] = [("reconstruction", w.reconstruction, mseLoss(recon, x))]
    if w.perceptual > 0 {
      terms.append(("perceptual", w.perceptual, try perceptualLoss(recon, teacherFeatures)))
    }
    if w.reconstructionAttribute > 0, let classifier {
      terms.append(("reconstruction_attribute", w.reconstructionAttribute, bceWithLogitsLoss(try classifier.logits(recon), z)))
    }
    if w.reconstructionGradient > 0 {
      terms.append(("reconstruction_gradient", w.reconstructionGradient, try HomoInterpLosses.gradientDifference(recon, x)))
    }
    return terms
  }

  /// The sum of the weighted `terms` (at least one), each term's unweighted value recorded in
  /// `losses` under its name.
  func weightedSum(_ terms: [(String, Float, Tensor)], recordingIn losses: inout [String: Float]) -> Tensor {
    var total: Tensor?
    for (name, weight, loss) in terms {
      losses[name] = loss.item
      total = total.map { $0 + loss * weight } ?? loss * weight
    }
    return total ?? Tensor(0)
  }

  /// The perceptual loss: MSE between the teacher's features of `recon` and `target` (the
  /// features of the faces it reconstructs), averaged over the feature levels.
  func perceptualLoss(_ recon: Tensor, _ target: [Tensor]) throws -> Tensor {
    let (features, _) = try teacher.features(recon)
    var loss = Tensor(0)
    for (a, b) in zip(features, target) { loss = loss + mseLoss(a, b) }
    return loss / Float(max(1, features.count))
  }

  /// The judge's BCE on the decoder's drawing of edits of the faces `f` (strengths and
  /// partners drawn as in a full step) made by the fixed interpolator. The edits pass the
  /// decoder in a batch of their own, and its batch-norm running statistics are put back
  /// afterwards: what it uses at inference stays the statistics of real faces' latents.
  func polishEditLoss(_ f: Tensor, _ z: Tensor, classifier: HomoInterpAttributeClassifier, rng: inout RandomGenerator) throws -> Tensor {
    let n = f.shape[0]
    let (perm, v, targets) = sampleEdits(n: n, z: z, rng: &rng)
    let edited = try withoutGrad { try model.interpolator(source: f, reference: f.indexSelect(perm), strengths: v) }
    let statistics = model.decoder.namedBuffers().map { ($0.tensor, $0.tensor.detached()) }
    defer { for (buffer, kept) in statistics { buffer.assign(kept) } }
    return bceWithLogitsLoss(try classifier.logits(try model.decoder(edited)), targets)
  }

  /// A batch's edits: each face's partner (a permutation of the batch; face i moves toward
  /// face perm[i]), the strengths and the interpolated targets (`sampleStrengths`). Full steps
  /// and the polish's edit term draw their edits alike, in this order from `rng`.
  func sampleEdits(n: Int, z: Tensor, rng: inout RandomGenerator) -> (perm: [Int], strengths: Tensor, targets: Tensor) {
    let perm = rng.permutation(n)
    let (v, targets) = sampleStrengths(n: n, z: z, perm: perm, rng: &rng)
    return (perm, v, targets)
  }

  /// Per-sample strengths [N, branchCount] (residual, when there is one, = smallest group strength) and the
  /// interpolated attribute targets `z_a + v_i (z_b − z_a)` per group.
  func sampleStrengths(n: Int, z: Tensor, perm: [Int], rng: inout RandomGenerator) -> (Tensor, Tensor) {
    let groups = model.config.groups
    let g = groups.count, k = z.shape[1]
    var v = [Float](repeating: 0, count: n * (g + 1))
    // One mode per batch: a single-group batch edits the same group in every sample, so
    // only that branch runs (the others have strength 0 throughout and are skipped).
    let single = Double(rng.nextUniform()) < options.singleGroupProbability
    let chosen: Int
    if let weights = singleGroupWeights {
      // Proportional to the weights (checked when the run was built: one at least is > 0).
      var u = Double(rng.nextUniform()) * weights.reduce(0, +)
      chosen = weights.indices.first { u -= weights[$0]; return u < 0 } ?? weights.lastIndex { $0 > 0 } ?? 0
    } else {
      // Runs without weights draw exactly as before the option existed.
      chosen = Int(rng.next() % UInt64(g))
    }
    let atOne = options.fullStrengthProbability ?? 0
    // Runs without it draw no extra numbers, so their strengths (and resumes) are unchanged.
    func strength() -> Float {
      let s = rng.nextUniform()
      return atOne > 0 && Double(rng.nextUniform()) < atOne ? 1 : s
    }
    for i in 0..<n {
      if single {
        v[i * (g + 1) + chosen] = strength()
      } else {
        for j in 0..<g { v[i * (g + 1) + j] = strength() }
      }
      v[i * (g + 1) + g] = (0..<g).map { v[i * (g + 1) + $0] }.min() ?? 0
    }
    var zi = z.scalars
    for i in 0..<n {
      var a = 0
      for (j, group) in groups.enumerated() {
        let s = v[i * (g + 1) + j]
        for _ in group.attributes {
          zi[i * k + a] = z.scalars[i * k + a] + s * (z.scalars[perm[i] * k + a] - z.scalars[i * k + a])
          a += 1
        }
      }
    }
    let strengths = Tensor(shape: [n, g + 1], scalars: v)
    // Without a residual branch the interpolator takes one column per group only.
    let columns = model.config.branchCount
    return (columns == g + 1 ? strengths : strengths.narrow(axis: 1, start: 0, length: columns), Tensor(shape: [n, k], scalars: zi))
  }
}
