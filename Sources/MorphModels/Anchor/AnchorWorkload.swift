import Foundation
import MorphNN
import MorphTensor

/// The engine benchmark: the workloads of `../shared/bench/torch_anchor.py` on Morph's engine.
public struct AnchorWorkload {
  /// Which part of the anchor to time.
  public enum Kind: String, CaseIterable, Sendable {
    /// Encode source and reference, interpolate at five strengths, decode (no grad, eval mode).
    case infer
    /// One full training step: decoder, critic with gradient penalty, projection, encoder+interpolator.
    case trainStep = "train_step"
  }

  /// What one run measured.
  public struct Result: Sendable {
    /// Best wall time of the timed repetitions (the first, warm-up, repetition is dropped).
    public var seconds: Double
    /// Trainable scalars of the five trained networks.
    public var parameterCount: Int
    /// Dense operations of one repetition, counted by `FlopCounter` (direct-convolution terms).
    public var flops: Int
  }

  public let size: Int
  public let batch: Int
  public let width: Double
  public let groups = [2, 5, 4, 3, 1]
  var branchCount: Int { groups.count + 1 }

  let encoder: Sequential
  let decoder: Sequential
  let interpolator: AnchorInterpolator
  let critic: AnchorCritic
  let projection: Conv2d
  let teacher: Sequential
  let x: Tensor
  let attributes: [Tensor]
  var rng: RandomGenerator

  /// Builds the networks and the fixed input batch. `size` must be a multiple of 16 (four
  /// poolings, then the critic's stride-2 convolutions).
  public init(size: Int, batch: Int, width: Double, seed: UInt64 = 0) throws {
    guard size >= 32, size % 16 == 0 else {
      throw NNError.badInput(layer: "bench engine", expected: "--size a multiple of 16, at least 32", found: [size])
    }
    guard batch >= 2, width > 0 else {
      throw NNError.badInput(layer: "bench engine", expected: "--batch ≥ 2 and --width > 0", found: [batch])
    }
    self.size = size
    self.batch = batch
    self.width = width
    var rng = RandomGenerator(seed: seed)
    let (e, ch) = anchorVGG(width: width, rng: &rng)
    encoder = e
    decoder = anchorDecoder(width: width, inChannels: ch, rng: &rng)
    interpolator = AnchorInterpolator(channels: ch, branches: groups.count + 1, rng: &rng)
    critic = AnchorCritic(channels: ch, width: width, groups: groups, featureSize: size / 16, rng: &rng)
    projection = Conv2d(ch, ch, kernelSize: 1, rng: &rng)
    teacher = anchorVGG(width: width, rng: &rng).net
    for p in teacher.parameters { p.requiresGrad = false }  // frozen
    x = Tensor.randn([batch, 3, size, size], rng: &rng)
    attributes = groups.map { Tensor.randint([batch, $0], high: 2, rng: &rng) }
    self.rng = rng
  }

  /// Trainable scalars of E, D, I, Dis and P (the anchor's `params`).
  public var parameterCount: Int {
    [encoder as any Module, decoder, interpolator, critic, projection].reduce(0) { $0 + $1.parameterCount }
  }

  /// Runs `kind` `steps + 1` times and reports the best of the last `steps`.
  public mutating func run(_ kind: Kind, steps: Int = 3) throws -> Result {
    var best = Double.infinity
    var optimizers: [String: Adam] = [:]
    if kind == .trainStep {
      let modules: [(String, any Module)] = [("E", encoder), ("D", decoder), ("I", interpolator), ("Dis", critic), ("P", projection)]
      for (k, m) in modules { optimizers[k] = Adam(m, learningRate: 1e-4, betas: (0.5, 0.999)) }
    }
    var flops = 0
    for rep in 0...Swift.max(steps, 1) {
      FlopCounter.reset()
      let start = DispatchTime.now().uptimeNanoseconds
      switch kind {
      case .infer: try inferOnce()
      case .trainStep: try trainStepOnce(optimizers)
      }
      let dt = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      flops = FlopCounter.count
      if rep > 0 { best = Swift.min(best, dt) }
    }
    return Result(seconds: best, parameterCount: parameterCount, flops: flops)
  }

  /// The interpolation strengths of the inference workload.
  static let strengths: [Float] = [0, 0.25, 0.5, 0.75, 1]
  /// Images × pixels per decoder batch: 40 images of 64² (all five strengths of a batch of 8
  /// at 64 px; one strength at a time at 128 px, which bounds peak memory).
  static let decodeImages = 40 * 64 * 64

  func inferOnce() throws {
    for m in [encoder as any Module, decoder, interpolator] { m.eval() }
    try withoutGrad {
      let f1 = try encoder(x)
      let f2 = try encoder(x.reversedBatch())
      // The same values as interpolating and decoding each strength on its own (the anchor's
      // loop), with fewer operations: the branch outputs do not depend on the strength, and
      // the decoder (per-image in eval mode) takes several strengths as one wider batch.
      let t = try interpolator.branchOutputs(f1, f2)
      let z = Self.strengths.map { interpolator.combine(f1, t, Tensor.full([batch, branchCount], $0)) }
      let group = Swift.max(1, Swift.min(z.count, Self.decodeImages / (batch * size * size)))
      for start in stride(from: 0, to: z.count, by: group) {
        _ = try decoder(Tensor.concat(Array(z[start..<Swift.min(z.count, start + group)]), axis: 0))
      }
    }
  }

  mutating func trainStepOnce(_ opt: [String: Adam]) throws {
    for m in [encoder as any Module, decoder, interpolator] { m.train() }
    func zeroAll() { for o in opt.values { o.zeroGrad() } }
    let v = Tensor.rand([batch, branchCount], rng: &rng)
    let perm = rng.permutation(batch)
    let teacherX = try teacher(x)
    // The first three sections use the features only detached: computed without a tape
    // (PyTorch records a graph here that is never differentiated). Each section runs in its
    // own scope, so its graph (kept alive by its outputs on Morph's tape) is freed once its
    // backward pass is done, as PyTorch frees saved tensors in backward().
    let (f, fi) = try withoutGrad {
      let f = try encoder(x)
      return (f, try interpolator(f, f.indexSelect(perm), v))
    }
    do {  // Decoder.
      zeroAll()
      let out = try decoder(f)
      try (mseLoss(out, x) + mseLoss(try teacher(out), teacherX)).backward()
      opt["D"]?.step()
    }
    do {  // Critic with the gradient penalty (double backward).
      zeroAll()
      let (r, ra) = try critic(f)
      let (q, _) = try critic(fi)
      let alpha = Tensor.rand([batch, 1, 1, 1], rng: &rng)
      let mixed = (alpha * f + (1 - alpha) * fi).requiringGrad()
      let (go, _) = try critic(mixed)
      let g = try go.sum().gradients(wrt: [mixed], createGraph: true)[0]
      let gp = (g.flatten(from: 1).norm(axes: [1]) - 1).square().mean() * 100
      var loss = (q - r).mean() + gp
      for (p, t) in zip(ra, attributes) { loss = loss + bceWithLogitsLoss(p, t) }
      try loss.backward()
      opt["Dis"]?.step()
    }
    do {  // Knowledge-guidance projection.
      zeroAll()
      try mseLoss(try projection(f), teacherX).backward()
      opt["P"]?.step()
    }
    try encoderStep(opt, v: v, perm: perm, teacherX: teacherX)
  }

  /// The last section: encoder and interpolator trained through the critic, decoder,
  /// teacher and projection.
  func encoderStep(_ opt: [String: Adam], v: Tensor, perm: [Int], teacherX: Tensor) throws {
    for o in opt.values { o.zeroGrad() }
    let f = try encoder(x)
    let fp = f.indexSelect(perm)
    let fi = try interpolator(f, fp, v)
    let (q2, qa) = try critic(fi)
    let targets = attributes.enumerated().map { i, t in
      t + v.narrow(axis: 1, start: i, length: 1) * (t.indexSelect(perm) - t)
    }
    let all = try interpolator(f.detached(), fp.detached(), .ones([batch, branchCount]))
    let out = try decoder(f)
    var loss = -q2.mean()
    for (p, t) in zip(qa, targets) { loss = loss + bceWithLogitsLoss(p, t) }
    loss = loss + mseLoss(all, fp.detached()) + mseLoss(out, x) + mseLoss(try teacher(out), teacherX)
      + mseLoss(try projection(f), teacherX)
    try loss.backward()
    opt["E"]?.step()
    opt["I"]?.step()
  }
}
