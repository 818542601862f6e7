import Foundation

/// A part of the HomoInterp model that a training phase trains or leaves frozen.
public enum ModelPart: String, Codable, CaseIterable, Comparable, Sendable {
  case encoder, decoder, projection, interpolator, critic
  /// The attribute classifier: the teacher (without a VGG19 file) and the judge of the
  /// pixel-attribute losses. A phase that trains it trains nothing else.
  case classifier

  /// The parts a phase trains unless it says otherwise: everything but the classifier.
  public static let model: [ModelPart] = [.encoder, .decoder, .projection, .interpolator, .critic]
  /// The parts whose losses are the reconstruction's (the autoencoder and its projection).
  public static let autoencoder: Set<ModelPart> = [.encoder, .decoder, .projection]

  public static func < (a: ModelPart, b: ModelPart) -> Bool {
    (allCases.firstIndex(of: a) ?? 0) < (allCases.firstIndex(of: b) ?? 0)
  }
}

/// How a phase's learning rate moves over its steps.
public enum LearningRateSchedule: String, Codable, CaseIterable, Sendable {
  /// The phase's rate at every step.
  case constant
  /// From the phase's rate at its first step along a half cosine towards 0 at its end (the
  /// decoder polish: the decoder settles where a constant rate keeps it chasing).
  case cosine
  /// The classifier's: full rate, 0.3× over the last 30 % and 0.1× over the last 10 % (its
  /// noisy batch-8 loss settles lower).
  case steps

  /// The factor of the phase's rate at `progress` (0 at its first step, < 1 at its last).
  public func factor(progress: Double) -> Float {
    switch self {
    case .constant: return 1
    case .cosine: return Float(0.5 * (1 + cos(Double.pi * min(1, max(0, progress)))))
    case .steps: return progress >= 0.9 ? 0.1 : progress >= 0.7 ? 0.3 : 1
    }
  }
}

/// What happens to the attribute classifier (the judge of the edits) during a phase.
public struct JudgeSchedule: Codable, Equatable, Sendable {
  /// Classifier steps a judge started afresh in this phase trains before training goes on.
  public var steps: Int
  /// Start the judge afresh at the phase's first step (a judge the model has not yet learned
  /// to satisfy).
  public var freshAtStart: Bool
  /// Every this many steps (at global steps that are multiples of it, inside the phase) the
  /// judge starts afresh from a new seed (nil: never): no judge stays long enough to be learned.
  public var refreshEvery: Int?
  /// Seed the fresh judges' seeds derive from (nil: the run's classifier seed).
  public var seed: UInt64?
  /// Chance that a face the judge trains on in this phase is a blend of two (nil: none).
  public var mixup: Double?

  public init(steps: Int, freshAtStart: Bool = false, refreshEvery: Int? = nil, seed: UInt64? = nil, mixup: Double? = nil) {
    self.steps = steps
    self.freshAtStart = freshAtStart
    self.refreshEvery = refreshEvery
    self.seed = seed
    self.mixup = mixup
  }
}

/// One phase of a training schedule: its name and length, which parts train (all others stay
/// bit for bit as they are), its loss weights, learning rate and its shape, and what the
/// judge does. Plain data, stored with the run's options in every checkpoint.
public struct TrainingPhase: Codable, Equatable, Sendable {
  /// Shown on the progress line and stored in checkpoints.
  public var name: String
  /// Steps the phase lasts (≥ 1).
  public var steps: Int
  /// The parts that take optimiser steps, in `ModelPart` order.
  public var trains: [ModelPart]
  public var learningRate: Float
  public var schedule: LearningRateSchedule
  public var weights: HomoInterpLossWeights
  /// The interpolator steps once every `nCritic` critic steps.
  public var nCritic: Int
  /// Chance that a training batch edits a single group.
  public var singleGroupProbability: Double
  /// Chance that a drawn edit strength is exactly 1 (nil: 0, and no extra random draws).
  public var fullStrengthProbability: Double?
  public var judge: JudgeSchedule

  public init(
    name: String, steps: Int, trains: [ModelPart], learningRate: Float, schedule: LearningRateSchedule = .constant,
    weights: HomoInterpLossWeights = HomoInterpLossWeights(), nCritic: Int = 5, singleGroupProbability: Double = 0.5,
    fullStrengthProbability: Double? = nil, judge: JudgeSchedule
  ) {
    self.name = name
    self.steps = steps
    self.trains = Array(Set(trains)).sorted()
    self.learningRate = learningRate
    self.schedule = schedule
    self.weights = weights
    self.nCritic = nCritic
    self.singleGroupProbability = singleGroupProbability
    self.fullStrengthProbability = fullStrengthProbability
    self.judge = judge
  }

  /// Whether the phase trains `part`.
  public func trains(_ part: ModelPart) -> Bool { trains.contains(part) }

  /// The kind of step the phase runs, from what it trains.
  public var kind: HomoInterpPhase {
    if trains == [.classifier] { return .classifier }
    if trains(.interpolator) || trains(.critic) { return .full }
    if trains == [.decoder] { return .decoderPolish }
    return .warmup
  }

  /// Whether a step of this phase runs the attribute classifier on images (as the teacher
  /// when `teacherIsClassifier`, or as the judge), so that it must have been trained first.
  public func usesClassifier(teacherIsClassifier: Bool) -> Bool {
    let w = weights
    let autoencoder = !Set(trains).isDisjoint(with: ModelPart.autoencoder)
    switch kind {
    case .classifier: return false
    case .decoderPolish:
      return w.reconstructionAttribute > 0 || w.polishEdit > 0 || teacherIsClassifier && w.perceptual > 0
    case .warmup, .full:
      return w.pixelAttribute > 0 && trains(.interpolator)
        || autoencoder && (w.reconstructionAttribute > 0 || teacherIsClassifier && (w.perceptual > 0 || w.projection > 0))
    }
  }
}
