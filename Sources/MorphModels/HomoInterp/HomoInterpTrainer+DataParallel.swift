import Foundation
import MorphNN
import MorphTensor

// MARK: - The batch-slicing rule

/// One step's batch as this process trains it: its share of the step's global batch, cut
/// into micro-batches (parts), and what the parts leave behind.
///
/// The rule (docs/scale-out-mpi.md): every rank draws the same `batchSize` faces from the
/// step's seed; they are cut into `ranks × microBatches` equal parts in order, and rank r
/// trains parts r·K ..< (r+1)·K. Each part is a batch of its own to the losses (its own edit
/// partners, strengths and batch-norm moments), drawing from its own generator seeded by the
/// step's. A run of one part draws exactly as runs did before parts existed.
final class HomoInterpStepBatch {
  /// A micro-batch: images, attribute targets and its randomness.
  struct Part {
    let images: Tensor
    let targets: Tensor
    var rng: RandomGenerator
  }

  var parts: [Part]
  /// Parts over all ranks: gradients, running statistics and losses are averaged over these.
  let totalParts: Int
  /// Batch-norm running statistics (the model's and the classifier's buffers).
  private let buffers: [Tensor]
  /// The buffers each local part ends with, when this process trains several parts: every
  /// part starts from the step's values, as each rank does, and the step keeps their mean.
  private var partBuffers: [[Tensor]]
  private var lossSums: [String: Float] = [:]
  private var spreadSum: Float?

  init(parts: [Part], totalParts: Int, buffers: [Tensor]) {
    self.parts = parts
    self.totalParts = totalParts
    self.buffers = buffers
    let start = parts.count > 1 ? buffers.map { $0.detached() } : []
    partBuffers = parts.count > 1 ? Array(repeating: start, count: parts.count) : []
  }

  /// Runs `body(i, losses)` for each local part `i` in order, with that part's batch-norm
  /// statistics in place; the losses it records are summed over the parts.
  func forEach(_ body: (Int, inout [String: Float]) throws -> Void) throws {
    for i in parts.indices {
      if parts.count > 1 { for (buffer, value) in zip(buffers, partBuffers[i]) { buffer.assign(value) } }
      var losses: [String: Float] = [:]
      try body(i, &losses)
      for (name, value) in losses { lossSums[name, default: 0] += value }
      if parts.count > 1 { partBuffers[i] = buffers.map { $0.detached() } }
    }
  }

  /// Records a part's latent spread (the step reports the mean).
  func recordSpread(_ spread: Float) { spreadSum = (spreadSum ?? 0) + spread }

  /// Ends the step: the running statistics become the mean over all parts of all ranks, and
  /// the losses and spread reported are means too, all in one all-reduce over `group`.
  func finish(group: (any DataParallelGroup)?) throws -> (losses: [String: Float], spread: Float?) {
    guard totalParts > 1 else { return (lossSums, spreadSum) }
    var summed = buffers
    if parts.count > 1 {
      summed = (0..<buffers.count).map { j in
        var total = partBuffers[0][j]
        for i in 1..<parts.count { total = Tensor(shape: total.shape, scalars: (total + partBuffers[i][j]).scalars) }
        return total
      }
    }
    let names = lossSums.keys.sorted()
    let extra = names.map { lossSums[$0] ?? 0 } + (spreadSum.map { [$0] } ?? [])
    let (statistics, values) = try DataParallel.sumValues(summed, extra: extra, scale: 1 / Float(totalParts), group: group)
    for (buffer, value) in zip(buffers, statistics) { buffer.assign(value) }
    var losses: [String: Float] = [:]
    for (i, name) in names.enumerated() { losses[name] = values[i] }
    return (losses, spreadSum == nil ? nil : values[names.count])
  }
}

extension HomoInterpTrainer {
  /// Parts of every step's batch over all ranks: ranks × micro-batches.
  public var partsPerStep: Int { (dataParallel?.size ?? 1) * (options.microBatches ?? 1) }

  /// Draws step (or retraining step) `number`'s global batch from `rng` and loads this
  /// rank's parts of it (`HomoInterpStepBatch`): `batchSize` faces with replacement, as
  /// images (jittered when the run jitters; jitter follows the face's place in the global
  /// batch, so a part's images are those the whole batch would have) and attribute targets.
  func drawStepBatch(_ rng: inout RandomGenerator, number: Int) throws -> HomoInterpStepBatch {
    let n = options.batchSize
    let chosen = chooseFaces(&rng)
    let local = options.microBatches ?? 1
    let ranks = dataParallel?.size ?? 1, rank = dataParallel?.rank ?? 0
    let total = local * ranks
    let buffers = model.namedBuffers().map(\.tensor) + (classifier?.namedBuffers().map(\.tensor) ?? [])
    guard total > 1 else {
      let part = HomoInterpStepBatch.Part(
        images: try data.images(chosen, firstItem: number * n, jittered: options.jitter), targets: data.targets(chosen), rng: rng)
      return HomoInterpStepBatch(parts: [part], totalParts: 1, buffers: buffers)
    }
    guard n % total == 0, n / total >= 2 else {
      throw HomoInterpError.badTraining(
        "batch \(n) does not split into \(total) parts of 2 faces or more (\(ranks) ranks × \(local) micro-batches): give a batch that is a multiple of \(2 * total)")
    }
    let size = n / total
    let base = rng.next()
    let parts = try (rank * local..<(rank + 1) * local).map { p in
      let faces = Array(chosen[p * size..<(p + 1) * size])
      return HomoInterpStepBatch.Part(
        images: try data.images(faces, firstItem: number * n + p * size, jittered: options.jitter), targets: data.targets(faces),
        rng: RandomGenerator(seed: base ^ (UInt64(p + 1) &* 0xD1B5_4A32_D192_ED03)))
    }
    return HomoInterpStepBatch(parts: parts, totalParts: total, buffers: buffers)
  }

  /// A step's `batchSize` faces, drawn with replacement by `rng`: the same on every rank.
  func chooseFaces(_ rng: inout RandomGenerator) -> [HomoInterpFace] {
    (0..<options.batchSize).map { _ in data.records[Int(rng.next() % UInt64(data.records.count))] }
  }

  // MARK: - The gradient-reduction hook

  /// Called after the backward passes of all local parts and before the optimisers in
  /// `optimizers` step: averages their gradients over all parts of all ranks, in one fused
  /// all-reduce (`DataParallel.averageGradients`). Nothing to do for a one-part step.
  func combineGradients(_ optimizers: [Adam], _ batch: HomoInterpStepBatch) throws {
    guard batch.totalParts > 1 else { return }
    try DataParallel.averageGradients(of: optimizers.flatMap { $0.parameters.map(\.tensor) }, parts: batch.totalParts, group: dataParallel)
  }

  // MARK: - Joining a group

  /// Makes this trainer one rank of `group`: checks that every rank runs the same step
  /// count, batch, micro-batches, step and seed, then copies rank 0's weights and batch-norm
  /// statistics to the others (one broadcast), so the replicas start identical. Every rank
  /// calls it before training.
  public func joinDataParallel(_ group: any DataParallelGroup) throws {
    let settings: [(String, Int)] = [
      ("steps", options.steps), ("batch", options.batchSize), ("micro-batches", options.microBatches ?? 1), ("step", step),
      ("seed", Int(truncatingIfNeeded: options.seed & 0xFF_FFFF)),
    ]
    var first = settings.map { Float($0.1) }
    try group.broadcast(&first, from: 0)
    for ((name, value), lead) in zip(settings, first) where Float(value) != lead {
      throw HomoInterpError.badTraining(
        "rank \(group.rank) has \(name) \(value) but rank 0 has \(Int(lead)): every rank of an MPI run needs the same command line and checkpoint")
    }
    dataParallel = group
    let batch = options.batchSize, parts = partsPerStep
    guard batch % parts == 0, batch / parts >= 2 else {
      dataParallel = nil
      throw HomoInterpError.badTraining(
        "batch \(batch) does not split into \(parts) parts of 2 faces or more (\(group.size) ranks × \(options.microBatches ?? 1) micro-batches): give a batch that is a multiple of \(2 * parts)")
    }
    let state = model.namedParameters() + model.namedBuffers() + (classifier.map { $0.namedParameters() + $0.namedBuffers() } ?? [])
    try DataParallel.broadcastFromFirstRank(state.map(\.tensor), group: group)
  }

  /// Whether this process writes checkpoints, snapshots and sample sheets: rank 0 of a
  /// data-parallel run, or a run of one process.
  public var writesOutputs: Bool { (dataParallel?.rank ?? 0) == 0 }
}

// MARK: - Steps on one whole batch

extension HomoInterpTrainer {
  /// Batch number `number`: `batchSize` faces drawn with replacement by `rng`, as images
  /// (jittered when the run jitters) and attribute targets — the whole batch of a one-part step.
  func drawBatch(_ rng: inout RandomGenerator, number: Int) throws -> (images: Tensor, targets: Tensor) {
    let n = options.batchSize
    let chosen = chooseFaces(&rng)
    return (try data.images(chosen, firstItem: number * n, jittered: options.jitter), data.targets(chosen))
  }

  /// Runs `body` on the one-part batch `x`, `z` drawing from `rng`, adding its losses to
  /// `losses`; returns the latent spread (0 when the step has none). Ignores the group: for
  /// driving single steps from tests and tools.
  private func onWholeBatch(
    _ x: Tensor, _ z: Tensor, _ losses: inout [String: Float], rng: inout RandomGenerator, _ body: (HomoInterpStepBatch) throws -> Void
  ) throws -> Float {
    let batch = HomoInterpStepBatch(parts: [.init(images: x, targets: z, rng: rng)], totalParts: 1, buffers: [])
    try body(batch)
    rng = batch.parts[0].rng
    let (stepLosses, spread) = try batch.finish(group: nil)
    losses.merge(stepLosses) { _, new in new }
    return spread ?? 0
  }

  /// `classifierStep` on one whole batch.
  func classifierStep(_ x: Tensor, _ z: Tensor, _ losses: inout [String: Float], rng: inout RandomGenerator) throws {
    _ = try onWholeBatch(x, z, &losses, rng: &rng) { try classifierStep($0) }
  }

  /// `autoencoderStep` on one whole batch; returns the latent spread.
  func autoencoderStep(_ x: Tensor, _ z: Tensor, _ losses: inout [String: Float], rng: inout RandomGenerator, full: Bool) throws -> Float {
    try onWholeBatch(x, z, &losses, rng: &rng) { try autoencoderStep($0, full: full) }
  }

  /// `decoderPolishStep` on one whole batch; returns the latent spread.
  func decoderPolishStep(_ x: Tensor, _ z: Tensor, _ losses: inout [String: Float], rng: inout RandomGenerator) throws -> Float {
    try onWholeBatch(x, z, &losses, rng: &rng) { try decoderPolishStep($0) }
  }
}
