import Foundation
import MorphNN
import MorphTensor

/// Teaches a trained model one new attribute group from a few hundred labelled faces: a new
/// interpolator branch and its critic head, with the encoder, decoder, critic trunk and every
/// other branch and head frozen (their weights do not change by a bit).
///
/// The encoder is frozen, so every face is encoded once. Then:
/// 1. the head: logistic regression of the label on the frozen critic trunk's features of the
///    faces' latents (the trunk every head shares, so the new head reads the same features);
/// 2. the branch: on pairs (a, b) — half of them with different labels — at strengths
///    v ∈ (0, 1], the edit `F = F_a + v · T_new(F_b − F_a)` should lie near
///    `F_a + v (z_b − z_a) · d`, `d` the attribute's prototype (mean latent with it minus mean
///    without), make the new head read `z_a + v (z_b − z_a)` (the paper's interpolated
///    attribute target), make the other heads read what they read on `F_a` (nothing else
///    changes), and stay close to `F_a` where the labels agree. Nothing here needs labels of
///    any other attribute. Without the prototype term the branch learns latent changes that
///    the head reads but the decoder does not draw (on synthetic glasses, 500 labels: edit
///    success 0.18, transfer 0.34); the prototype anchors it to a direction real faces take.
/// This file is apart from `HomoInterpTrainer`: it trains on latents only, with none of the
/// full trainer's phases.
public struct HomoInterpBranchTrainer {
  public struct Options: Codable, Sendable {
    /// Branch steps.
    public var steps = 300
    public var batchSize = 16
    public var learningRate: Float = 1e-3
    /// Full-batch steps of the head's logistic regression.
    public var headSteps = 300
    public var headLearningRate: Float = 1e-2
    /// Weight of the other heads keeping their readings.
    public var keep: Float = 1
    /// Weight of `‖F − F_a‖² / ‖F_a‖²` on pairs whose labels agree.
    public var closeness: Float = 1
    /// Weight of `‖F − (F_a + v (z_b − z_a) d)‖² / ‖F_a‖²`, `d` the prototype direction.
    public var prototype: Float = 10
    public var seed: UInt64 = 1

    public init() {}
  }

  /// What a run did, for the checkpoint's metadata and the log.
  public struct Report: Codable, Sendable {
    public var faces: Int
    public var withAttribute: Int
    /// The new head's accuracy on the training faces.
    public var headAccuracy: Double
    /// Mean losses over the last 50 branch steps.
    public var attributeLoss: Double
    public var keepLoss: Double
    public var closenessLoss: Double
    public var seconds: Double
  }

  public var options: Options

  public init(options: Options = Options()) { self.options = options }

  /// `base` with the group `group` added and trained on `images` ([N, 3, S, S], symmetric) and
  /// `labels` (1 / 0 per face, the group's single attribute). `progress` hears a line now and then.
  public func train(
    base: HomoInterpModel, group: AttributeGroup, images: Tensor, labels: [Float], progress: (String) -> Void = { _ in }
  ) throws -> (model: HomoInterpModel, report: Report) {
    let start = Date()
    guard group.attributes.count == 1 else {
      throw HomoInterpError.badTraining("a new branch learns one attribute, group '\(group.name)' has \(group.attributes)")
    }
    let n = labels.count
    guard images.rank == 4, images.shape[0] == n, n >= 2 else {
      throw HomoInterpError.badShape(operation: "train branch", expected: "[\(labels.count), 3, S, S] images", found: images.shape)
    }
    guard labels.contains(where: { $0 > 0.5 }), labels.contains(where: { $0 <= 0.5 }) else {
      throw HomoInterpError.badTraining("one class only: every face is labelled \(labels[0] > 0.5 ? "with" : "without") \(group.attributes[0])")
    }
    guard options.steps > 0, options.batchSize > 0, options.headSteps > 0 else {
      throw HomoInterpError.badTraining("steps, batch size and head steps must be positive")
    }
    let model = try base.addingGroup(group, seed: options.seed)
    model.eval()
    let k = model.config.groups.count - 1
    let trained = Set(model.groupParameterNames(group.name))
    for (name, tensor) in model.namedParameters() { tensor.requiresGrad = trained.contains(name) }
    guard let head = model.critic.classifiers.modules[k] as? Conv2d else {
      throw HomoInterpError.badConfig("the new group has no critic head")
    }

    // Latents and the frozen readings, once.
    var latentChunks: [Tensor] = []
    for s in stride(from: 0, to: n, by: 32) {
      latentChunks.append(try model.encode(images.narrow(axis: 0, start: s, length: min(32, n - s))))
    }
    let latents = Tensor.concat(latentChunks, axis: 0)
    let features = try withoutGrad { try model.critic.features(latents) }
    let others = model.config.totalAttributes - 1
    let frozenReadings = try withoutGrad {
      try model.critic.attributeLogits(features: features).narrow(axis: 1, start: 0, length: others).sigmoid()
    }
    let per = latents.count / n
    let power = Double(latents.scalars.reduce(Float(0)) { $0 + $1 * $1 }) / Double(latents.count)
    // The prototype: mean latent with the attribute minus mean latent without.
    var direction = [Float](repeating: 0, count: per)
    let withCount = Float(labels.filter { $0 > 0.5 }.count), withoutCount = Float(n) - withCount
    latents.scalars.withUnsafeBufferPointer { f in
      for i in 0..<n {
        let w = labels[i] > 0.5 ? 1 / withCount : -1 / withoutCount
        for p in 0..<per { direction[p] += w * f[i * per + p] }
      }
    }

    // 1. The head.
    let target = Tensor(shape: [n, 1, 1, 1], scalars: labels)
    let headOptimizer = Adam(head.namedParameters(), learningRate: options.headLearningRate, betas: (0.9, 0.999))
    for _ in 0..<options.headSteps {
      let loss = bceWithLogitsLoss(try head(features), target)
      try loss.backward()
      headOptimizer.step()
      headOptimizer.zeroGrad()
    }
    let headLogits = try withoutGrad { try head(features) }.scalars
    let headAccuracy = Double(zip(headLogits, labels).filter { ($0 > 0) == ($1 > 0.5) }.count) / Double(n)
    progress(String(format: "head: %.1f%% of %d training faces read right", headAccuracy * 100, n))
    for p in head.parameters { p.requiresGrad = false }

    // 2. The branch.
    let branchParameters = model.namedParameters().filter { trained.contains($0.name) && !$0.name.hasPrefix("critic.") }
    let optimizer = Adam(branchParameters, learningRate: options.learningRate, betas: (0.5, 0.999))
    var rng = RandomGenerator(seed: options.seed ^ 0xB4A_4C4)
    let positives = labels.indices.filter { labels[$0] > 0.5 }, negatives = labels.indices.filter { labels[$0] <= 0.5 }
    let b = options.batchSize, branches = model.config.branchCount
    var recent: [(Double, Double, Double)] = []
    for step in 1...options.steps {
      var ia: [Int] = [], ib: [Int] = [], v: [Float] = []
      for _ in 0..<b {
        let a = Int(rng.nextUniform() * Float(n)) % n
        // Half the pairs cross the label, so the branch sees the change it must make.
        let cross = rng.nextUniform() < 0.5
        let pool = cross ? (labels[a] > 0.5 ? negatives : positives) : labels.indices.map { $0 }
        ia.append(a)
        ib.append(pool[Int(rng.nextUniform() * Float(pool.count)) % pool.count])
        v.append(rng.nextUniform() < 0.25 ? 1 : max(0.05, rng.nextUniform()))
      }
      func gather(_ rows: [Int], _ values: [Float], width: Int) -> Tensor {
        var out = [Float](); out.reserveCapacity(rows.count * width)
        for r in rows { out += values[(r * width)..<((r + 1) * width)] }
        return Tensor(shape: [rows.count, width], scalars: out)
      }
      let fa = gather(ia, latents.scalars, width: per).reshape([b] + Array(latents.shape.dropFirst()))
      let fb = gather(ib, latents.scalars, width: per).reshape([b] + Array(latents.shape.dropFirst()))
      var strengthRows = [Float](repeating: 0, count: b * branches)
      for i in 0..<b { strengthRows[i * branches + k] = v[i] }
      let edited = try model.interpolator(source: fa, reference: fb, strengths: Tensor(shape: [b, branches], scalars: strengthRows))
      let logits = try model.critic.attributeLogits(features: model.critic.features(edited))
      let za = ia.map { labels[$0] }, zb = ib.map { labels[$0] }
      let goal = Tensor(shape: [b, 1], scalars: (0..<b).map { za[$0] + v[$0] * (zb[$0] - za[$0]) })
      let attributeLoss = bceWithLogitsLoss(logits.narrow(axis: 1, start: others, length: 1), goal)
      let keepLoss = bceWithLogitsLoss(logits.narrow(axis: 1, start: 0, length: others), gather(ia, frozenReadings.scalars, width: others))
      let same = Tensor(shape: [b, 1, 1, 1], scalars: (0..<b).map { za[$0] == zb[$0] ? 1 : 0 })
      let closenessLoss = ((edited - fa).square() * same).mean() * Float(1 / max(power, 1e-12))
      var goalLatent = fa.scalars
      for i in 0..<b {
        let step = v[i] * (zb[i] - za[i])
        if step == 0 { continue }
        for p in 0..<per { goalLatent[i * per + p] += step * direction[p] }
      }
      let prototypeLoss = (edited - Tensor(shape: fa.shape, scalars: goalLatent)).square().mean() * Float(1 / max(power, 1e-12))
      let loss = attributeLoss + keepLoss * options.keep + closenessLoss * options.closeness + prototypeLoss * options.prototype
      try loss.backward()
      optimizer.step()
      optimizer.zeroGrad()
      let values = (Double(attributeLoss.scalars[0]), Double(keepLoss.scalars[0]), Double(closenessLoss.scalars[0]))
      guard values.0.isFinite, values.1.isFinite, values.2.isFinite else {
        throw HomoInterpError.nonFinite(step: step, loss: "branch", lastCheckpoint: nil)
      }
      recent.append(values)
      if recent.count > 50 { recent.removeFirst() }
      if step % 50 == 0 || step == options.steps {
        let elapsed = Date().timeIntervalSince(start), rate = Double(step) / max(elapsed, 1e-9)
        progress(
          String(
            format: "step %d/%d %.2f it/s, ETA %@ — attribute %.4f, keep %.4f, closeness %.4f", step, options.steps, rate,
            TrainingProgress.duration(Double(options.steps - step) / rate), values.0, values.1, values.2))
      }
    }
    for (_, tensor) in model.namedParameters() { tensor.requiresGrad = true }
    func mean(_ f: ((Double, Double, Double)) -> Double) -> Double { recent.map(f).reduce(0, +) / Double(max(1, recent.count)) }
    let counts = labels.filter { $0 > 0.5 }.count
    return (
      model,
      Report(
        faces: n, withAttribute: counts, headAccuracy: headAccuracy, attributeLoss: mean(\.0), keepLoss: mean(\.1),
        closenessLoss: mean(\.2), seconds: Date().timeIntervalSince(start))
    )
  }
}
