import Foundation

/// A problem with one phase of a schedule: which phase (0-based), which of its fields (nil:
/// the phase as a whole), and what is wrong. A recipe validator points at that field's line.
public struct TrainingScheduleError: Error, Equatable, CustomStringConvertible, Sendable {
  public var phase: Int
  public var field: String?
  public var message: String

  public init(phase: Int, field: String? = nil, _ message: String) {
    self.phase = phase
    self.field = field
    self.message = message
  }

  public var description: String { "phase \(phase + 1)" + (field.map { ", \($0)" } ?? "") + ": \(message)" }
}

/// The phases of a training run, in order: step `s` (0-based, global) belongs to the phase
/// whose steps cover it. The trainer asks the schedule for the current phase each step; a
/// checkpoint records only the global step, and the phase follows from it, so a run resumes
/// exactly at any step inside any phase.
public struct TrainingSchedule: Codable, Equatable, Sendable {
  public var phases: [TrainingPhase]

  public init(_ phases: [TrainingPhase]) { self.phases = phases }

  /// Steps of all phases together.
  public var totalSteps: Int { phases.reduce(0) { $0 + $1.steps } }

  /// The global step each phase starts at.
  public var starts: [Int] {
    var start = 0
    return phases.map { phase in
      defer { start += phase.steps }
      return start
    }
  }

  /// The phase step `s` belongs to, with its index and first step (the last phase for steps
  /// past the end).
  public func locate(_ s: Int) -> (index: Int, start: Int, phase: TrainingPhase) {
    var start = 0
    for (i, phase) in phases.enumerated() {
      if s < start + phase.steps || i == phases.count - 1 { return (i, start, phase) }
      start += phase.steps
    }
    preconditionFailure("a schedule has phases (checked by validate)")
  }

  /// The phase step `s` belongs to.
  public func phase(at s: Int) -> TrainingPhase { locate(s).phase }

  /// The learning rate of step `s`: its phase's rate shaped by the phase's schedule.
  public func learningRate(at s: Int) -> Float {
    let (_, start, phase) = locate(s)
    return phase.learningRate * phase.schedule.factor(progress: Double(s - start) / Double(max(1, phase.steps)))
  }

  /// Whether the judge starts afresh before step `s`: at the first step of a phase that asks
  /// for a fresh judge, or on its refresh interval (global multiples, past the phase's first
  /// step, as a refreshing run always did) — and not when the run already did it at `s`
  /// (`retrainedAt`: a run resumed right after a refresh does not repeat it).
  public func judgeRefreshDue(at s: Int, retrainedAt: Int?) -> Bool {
    guard retrainedAt != s else { return false }
    let (_, start, phase) = locate(s)
    guard phase.kind != .classifier else { return false }
    if s == start && phase.judge.freshAtStart { return true }
    guard let every = phase.judge.refreshEvery, every > 0 else { return false }
    return s > start && s % every == 0
  }

  /// Throws the first problem: no phases, a phase of no steps, one that trains nothing or
  /// mixes the classifier with the model, a bad rate, weight or chance, or a phase that needs
  /// the classifier before any phase has trained it (`teacherIsClassifier`: no VGG19 file, so
  /// the classifier is the perceptual teacher too).
  public func validate(teacherIsClassifier: Bool) throws {
    guard !phases.isEmpty else { throw TrainingScheduleError(phase: 0, "a schedule needs at least one phase") }
    var judgeTrained = false
    for (i, p) in phases.enumerated() {
      func fail(_ field: String?, _ message: String) -> TrainingScheduleError { TrainingScheduleError(phase: i, field: field, message) }
      guard !p.name.isEmpty else { throw fail("name", "a phase needs a name (it is shown on the progress line)") }
      if let first = phases[..<i].firstIndex(where: { $0.name == p.name }) {
        throw fail("name", "`\(p.name)` is already the name of phase \(first + 1); give each phase its own")
      }
      guard p.steps > 0 else { throw fail("steps", "a phase must last at least one step, got \(p.steps)") }
      guard !p.trains.isEmpty else {
        throw fail("freeze", "freezes every part, so the phase would train nothing; leave at least one of \(ModelPart.allCases.map(\.rawValue).joined(separator: ", ")) to train")
      }
      if p.trains(.classifier) && p.trains.count > 1 {
        throw fail("train", "the classifier trains in a phase of its own (this one also trains \(p.trains.filter { $0 != .classifier }.map(\.rawValue).joined(separator: ", ")))")
      }
      guard p.learningRate > 0, p.learningRate.isFinite else { throw fail("lr", "the learning rate must be > 0, got \(p.learningRate)") }
      guard p.nCritic >= 1 else { throw fail("n_critic", "must be ≥ 1, got \(p.nCritic)") }
      guard (0...1).contains(p.singleGroupProbability) else { throw fail("single_group", "must be a chance in 0...1, got \(p.singleGroupProbability)") }
      guard (0...1).contains(p.fullStrengthProbability ?? 0) else {
        throw fail("full_strength", "must be a chance in 0...1, got \(p.fullStrengthProbability ?? 0)")
      }
      guard (0...1).contains(p.judge.mixup ?? 0) else { throw fail("classifier_mixup", "must be a chance in 0...1, got \(p.judge.mixup ?? 0)") }
      guard (p.judge.refreshEvery ?? 0) >= 0 else { throw fail("refresh_classifier_every", "must be ≥ 0 (0: never), got \(p.judge.refreshEvery ?? 0)") }
      if (p.judge.freshAtStart || (p.judge.refreshEvery ?? 0) > 0) && p.judge.steps <= 0 {
        throw fail("retrain_classifier", "a judge started afresh needs training steps (> 0)")
      }
      for (name, v) in p.weights.named where !(v.isFinite && v >= 0) {
        throw fail(name, "loss weights must be finite and ≥ 0, got \(v)")
      }
      if p.kind == .classifier || p.judge.freshAtStart { judgeTrained = true }
      if p.usesClassifier(teacherIsClassifier: teacherIsClassifier) && !judgeTrained {
        throw fail(
          nil,
          "`\(p.name)` uses the attribute classifier (as \(teacherIsClassifier ? "teacher or " : "")judge) before any phase trains it: put a phase with `train: classifier` before it, or set its `retrain_classifier`")
      }
    }
  }
}

extension HomoInterpLossWeights {
  /// Each weight's name in recipes and phases (`lambda_*`; on the command line `--lambda-*`).
  public static var recipeNames: [(name: String, keyPath: WritableKeyPath<HomoInterpLossWeights, Float>)] {
    [
      ("lambda_rec", \.reconstruction), ("lambda_perceptual", \.perceptual), ("lambda_projection", \.projection),
      ("lambda_gp", \.gradientPenalty), ("lambda_critic_attribute", \.criticAttribute), ("lambda_adversarial", \.adversarial),
      ("lambda_attribute", \.attribute), ("lambda_all", \.interpolateAll), ("lambda_pixel", \.pixelAttribute),
      ("lambda_recon_attribute", \.reconstructionAttribute), ("lambda_recon_gradient", \.reconstructionGradient),
      ("lambda_polish_edit", \.polishEdit),
    ]
  }

  /// Every weight with its recipe name, in `recipeNames` order.
  public var named: [(String, Float)] { Self.recipeNames.map { ($0.name, self[keyPath: $0.keyPath]) } }
}
