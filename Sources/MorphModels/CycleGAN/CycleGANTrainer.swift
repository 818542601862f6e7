import Foundation
import MorphNN
import MorphTensor

/// Trains a `CycleGANModel`: LSGAN adversarial losses, cycle and identity L1, discriminators
/// fed from image history pools, Adam with linear learning-rate decay.
///
/// Everything random in a step (data order, jitter, pool draws) is derived from
/// (seed, step), and checkpoints carry optimiser moments and pools, so a resumed run takes
/// exactly the steps an uninterrupted run would.
public final class CycleGANTrainer {
  public let model: CycleGANModel
  public let options: CycleGANTrainingOptions
  public let generatorOptimizer: Adam
  public let discriminatorOptimizer: Adam
  public private(set) var poolA: ImageHistoryPool
  public private(set) var poolB: ImageHistoryPool
  /// Steps completed.
  public private(set) var step = 0
  public private(set) var lastLosses: CycleGANLosses?

  public init(model: CycleGANModel, options: CycleGANTrainingOptions) throws {
    try options.validate()
    self.model = model
    self.options = options
    let betas = (options.beta1, options.beta2)
    generatorOptimizer = Adam(model.generatorParameters, learningRate: options.learningRate, betas: betas)
    discriminatorOptimizer = Adam(model.discriminatorParameters, learningRate: options.learningRate, betas: betas)
    let shape = [3, model.config.imageSize, model.config.imageSize]
    poolA = ImageHistoryPool(capacity: options.poolSize, imageShape: shape)
    poolB = ImageHistoryPool(capacity: options.poolSize, imageShape: shape)
  }

  /// Resumes from a training checkpoint. `options` may change the step count and logging,
  /// not the config; nil keeps the checkpoint's options.
  public static func resume(from url: URL, options: CycleGANTrainingOptions? = nil) throws -> CycleGANTrainer {
    let (model, info, tensors) = try CycleGANModel.loadCheckpoint(from: url)
    let file = CycleGANModel.checkpointPaths(url).weights.path
    guard let saved = info.options else {
      throw CycleGANError.badCheckpoint(file: file, message: "a weights-only export cannot be resumed (no training state)")
    }
    let trainer = try CycleGANTrainer(model: model, options: options ?? saved)
    model.train()
    func sub(_ prefix: String) -> [String: Tensor] {
      Dictionary(uniqueKeysWithValues: tensors.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) })
    }
    do {
      try trainer.generatorOptimizer.load(state: sub("optimizer.G."))
      try trainer.discriminatorOptimizer.load(state: sub("optimizer.D."))
      try trainer.poolA.restore(tensors["pool.A"], key: file + " pool.A")
      try trainer.poolB.restore(tensors["pool.B"], key: file + " pool.B")
    } catch let error as CycleGANError {
      throw error
    } catch {
      throw CycleGANError.badCheckpoint(file: file, message: "training state: \(error)")
    }
    trainer.step = info.step
    trainer.lastLosses = info.lastLosses
    return trainer
  }

  /// Writes a training checkpoint (weights, optimiser moments, pools, JSON metadata).
  public func save(to url: URL, metadata: [String: String] = [:]) throws {
    var extra: [String: Tensor] = [:]
    for (k, v) in generatorOptimizer.state() { extra["optimizer.G." + k] = v }
    for (k, v) in discriminatorOptimizer.state() { extra["optimizer.D." + k] = v }
    if let t = poolA.tensor { extra["pool.A"] = t }
    if let t = poolB.tensor { extra["pool.B"] = t }
    try model.save(to: url, step: step, options: options, lastLosses: lastLosses, metadata: metadata, extra: extra)
  }

  /// One optimisation step on real batches [N, 3, S, S] of each domain.
  @discardableResult
  public func trainStep(realA: Tensor, realB: Tensor) throws -> CycleGANLosses {
    try model.checkImages(realA, "domain A batch")
    try model.checkImages(realB, "domain B batch")
    model.train()
    let lr = options.learningRate(at: step)
    generatorOptimizer.learningRate = lr
    discriminatorOptimizer.learningRate = lr
    var rng = RandomGenerator(seed: options.seed ^ (UInt64(step) &* 0x9E37_79B9_7F4A_7C15) ^ 0x9001)
    var losses = CycleGANLosses()

    // Generators: fool both discriminators, reconstruct through the cycle, keep identity.
    let gAB = model.generatorAB, gBA = model.generatorBA
    let fakeB = try gAB(realA), fakeA = try gBA(realB)
    let recA = try gBA(fakeB), recB = try gAB(fakeA)
    let scoreB = try model.discriminatorB(fakeB), scoreA = try model.discriminatorA(fakeA)
    let advAB = mseLoss(scoreB, .ones(like: scoreB)), advBA = mseLoss(scoreA, .ones(like: scoreA))
    let cycA = l1Loss(recA, realA), cycB = l1Loss(recB, realB)
    var total = advAB + advBA + (cycA + cycB) * options.cycleWeight
    if options.identityWeight > 0 {
      let idtA = l1Loss(try gBA(realA), realA), idtB = l1Loss(try gAB(realB), realB)
      total = total + (idtA + idtB) * options.identityWeight
      losses.identityA = idtA.item
      losses.identityB = idtB.item
    }
    losses.adversarialAB = advAB.item
    losses.adversarialBA = advBA.item
    losses.cycleA = cycA.item
    losses.cycleB = cycB.item
    losses.generator = total.item
    try checkFinite(losses.generator, "generator")
    generatorOptimizer.zeroGrad()
    try total.backward()
    generatorOptimizer.step()

    // Discriminators: real → 1, (pooled) fake → 0, halved as in the paper.
    let pooledA = poolA.query(fakeA, rng: &rng), pooledB = poolB.query(fakeB, rng: &rng)
    func dLoss(_ d: Sequential, real: Tensor, fake: Tensor) throws -> Tensor {
      let r = try d(real), f = try d(fake)
      return (mseLoss(r, .ones(like: r)) + mseLoss(f, .zeros(like: f))) * 0.5
    }
    let lossDA = try dLoss(model.discriminatorA, real: realA, fake: pooledA)
    let lossDB = try dLoss(model.discriminatorB, real: realB, fake: pooledB)
    losses.discriminatorA = lossDA.item
    losses.discriminatorB = lossDB.item
    try checkFinite(losses.discriminatorA, "discriminator A")
    try checkFinite(losses.discriminatorB, "discriminator B")
    discriminatorOptimizer.zeroGrad()
    try (lossDA + lossDB).backward()
    discriminatorOptimizer.step()
    // The generator pass left gradients on the discriminators and vice versa: drop them all.
    model.zeroGrad()

    step += 1
    lastLosses = losses
    return losses
  }

  private func checkFinite(_ value: Float, _ name: String) throws {
    guard value.isFinite else { throw CycleGANError.nonFinite(step: step + 1, loss: name, value: value) }
  }

  /// Indices of the batch of step `step` in a domain of `count` images: consecutive slices of
  /// per-epoch permutations, each derived from (seed, domain, epoch).
  public func batchIndices(step: Int, count: Int, domainB: Bool) -> [Int] {
    let b = options.batchSize
    var cache: (epoch: Int, perm: [Int])?
    return (0..<b).map { j in
      let position = step * b + j
      let epoch = position / count
      if cache?.epoch != epoch {
        var rng = RandomGenerator(seed: options.seed ^ (UInt64(epoch) &* 0xD1B5_4A32_D192_ED03) ^ (domainB ? 0xB : 0xA))
        cache = (epoch, rng.permutation(count))
      }
      return cache?.perm[position % count] ?? 0
    }
  }

  /// Trains until `options.steps`, saving to `checkpoint` every `checkpointEvery` steps and at
  /// the end; `log` gets a line every `logEvery` steps.
  public func run(
    data: CycleGANData, checkpoint: URL?, checkpointEvery: Int = 500, logEvery: Int = 50, metadata: [String: String] = [:],
    log: (String) -> Void = { _ in }
  ) throws {
    let start = Date()
    let firstStep = step
    while step < options.steps {
      let s = step
      let a = try data.load(false, batchIndices(step: s, count: data.countA, domainB: false), s * options.batchSize)
      let b = try data.load(true, batchIndices(step: s, count: data.countB, domainB: true), s * options.batchSize)
      let losses = try trainStep(realA: a, realB: b)
      if step % max(1, logEvery) == 0 || step == options.steps {
        let rate = Date().timeIntervalSince(start) / Double(step - firstStep)
        log(String(format: "step %d/%d lr %.2e %@ (%.2f s/step)", step, options.steps, options.learningRate(at: s), losses.summary, rate))
      }
      if let checkpoint, checkpointEvery > 0, step % checkpointEvery == 0 || step == options.steps {
        try save(to: checkpoint, metadata: metadata.merging(["data": data.description]) { a, _ in a })
      }
    }
  }
}
