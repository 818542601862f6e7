import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// Training phases: a run follows its schedule step by step — what trains, the loss weights,
/// the learning rate — and resumes exactly inside any phase.
final class TrainingScheduleTests: XCTestCase {
  /// A 12-face synthetic set of this class's own (another class's set is removed when that
  /// class ends).
  static let faces: URL = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("phases-faces-\(UUID().uuidString)")
    _ = try? ToyFaceSetWriter(seed: 3).write(count: 12, to: dir)
    return dir
  }()

  override class func tearDown() { try? FileManager.default.removeItem(at: faces) }

  /// A tiny-model trainer over the class's faces (unjittered).
  static func trainer(_ options: HomoInterpTrainingOptions) throws -> HomoInterpTrainer {
    let config = HomoInterpConfig.tiny(groups: HomoInterpTrainingTests.groups)
    let data = try HomoInterpData(directory: faces, groups: config.groups, imageSize: config.imageSize, jitter: nil, seed: 9)
    return try HomoInterpTrainer(config: config, data: data, options: options)
  }

  /// Three phases of a few steps: the judge alone, then the autoencoder (lr 1e-3, the
  /// reconstruction gradient on), then the edits with the autoencoder frozen (lr 5e-4 along a
  /// cosine, the pixel-attribute loss at 2).
  static func phasedOptions() -> HomoInterpTrainingOptions {
    var options = HomoInterpTrainingOptions()
    options.batchSize = 4
    options.jitter = false
    options.seed = 7
    options.weights.pixelAttribute = 0
    var judge = JudgeSchedule(steps: 3)
    judge.mixup = 0.5
    var autoencoder = HomoInterpLossWeights()
    autoencoder.pixelAttribute = 0
    autoencoder.reconstructionGradient = 1
    var edits = HomoInterpLossWeights()
    edits.pixelAttribute = 2
    options.phases = [
      TrainingPhase(name: "judge", steps: 3, trains: [.classifier], learningRate: 1e-3, schedule: .steps, judge: judge),
      TrainingPhase(
        name: "autoencoder", steps: 4, trains: [.encoder, .decoder, .projection], learningRate: 1e-3, weights: autoencoder,
        nCritic: 1, judge: JudgeSchedule(steps: 3)),
      TrainingPhase(
        name: "edits", steps: 4, trains: [.interpolator, .critic], learningRate: 5e-4, schedule: .cosine, weights: edits, nCritic: 1,
        judge: JudgeSchedule(steps: 3)),
    ]
    options.steps = 11
    return options
  }

  /// Every tensor of each part (weights and buffers), the classifier as a part of its own.
  static func parts(_ t: HomoInterpTrainer) throws -> [ModelPart: [String: [Float]]] {
    let m = t.model
    func scalars(_ module: any Module) -> [String: [Float]] { module.stateDict().mapValues(\.scalars) }
    return [
      .encoder: scalars(m.encoder), .decoder: scalars(m.decoder), .projection: scalars(m.projection),
      .interpolator: scalars(m.interpolator), .critic: scalars(m.critic), .classifier: scalars(try XCTUnwrap(t.classifier)),
    ]
  }

  func testEachPhaseTrainsExactlyWhatItSaysAtItsRatesAndWeights() throws {
    let trainer = try Self.trainer(Self.phasedOptions())
    XCTAssertEqual(trainer.schedule.starts, [0, 3, 7])
    XCTAssertEqual(trainer.options.steps, 11)
    var reports: [HomoInterpStepReport] = []
    for phase in trainer.schedule.phases {
      let before = try Self.parts(trainer)
      for k in 0..<phase.steps {
        let s = trainer.step
        XCTAssertEqual(trainer.current.name, phase.name, "step \(s)")
        let report = try trainer.trainStep()
        reports.append(report)
        XCTAssertEqual(report.phaseName, phase.name)
        // The rate each optimiser of the phase stepped with: the phase's, shaped by its schedule.
        let expected = phase.learningRate * phase.schedule.factor(progress: Double(k) / Double(phase.steps))
        let used = phase.kind == .classifier ? try XCTUnwrap(trainer.classifierOptimizer).learningRate
          : phase.trains(.interpolator) ? trainer.interpolatorOptimizer.learningRate : trainer.aeOptimizer.learningRate
        XCTAssertEqual(used, expected, accuracy: 1e-12, "\(phase.name) step \(k)")
      }
      let after = try Self.parts(trainer)
      for part in ModelPart.allCases {
        if phase.trains(part) {
          XCTAssertNotEqual(after[part], before[part], "\(phase.name) trains \(part)")
        } else {
          XCTAssertEqual(after[part], before[part], "\(phase.name) leaves \(part) bit for bit as it was")
        }
      }
    }
    XCTAssertEqual(reports.map(\.phaseName), Array(repeating: "judge", count: 3) + Array(repeating: "autoencoder", count: 4) + Array(repeating: "edits", count: 4))
    // The boundaries switch the rates (1e-3 → 1e-3 → 5e-4, the last along a cosine) …
    XCTAssertEqual(trainer.schedule.learningRate(at: 2), 1e-3, "the judge at its full rate before its last 30 %")
    XCTAssertEqual(trainer.schedule.learningRate(at: 6), 1e-3)
    XCTAssertEqual(trainer.schedule.learningRate(at: 7), 5e-4)
    XCTAssertEqual(trainer.schedule.learningRate(at: 9), 2.5e-4, accuracy: 1e-10)
    // … and the losses: the reconstruction gradient in the autoencoder phase only, the
    // critic and the pixel-attribute judge in the edits phase only.
    XCTAssertEqual(Set(reports[2].losses.keys), ["classifier"])
    XCTAssertEqual(Set(reports[3].losses.keys), ["reconstruction", "perceptual", "projection", "reconstruction_gradient", "latent_spread"])
    XCTAssertEqual(Set(reports[6].losses.keys), Set(reports[3].losses.keys))
    XCTAssertEqual(
      Set(reports[7].losses.keys),
      ["critic_wasserstein", "critic_gp", "critic_attribute", "adversarial", "attribute", "interpolate_all", "pixel_attribute", "latent_spread"])
  }

  func testAResumeInsideTheSecondPhaseEndsBitIdentical() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("phases-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("ck.safetensors")
    let whole = try Self.trainer(Self.phasedOptions())
    while whole.step < 11 { _ = try whole.trainStep() }

    let first = try Self.trainer(Self.phasedOptions())
    for _ in 0..<5 { _ = try first.trainStep() }  // the judge, then two of the autoencoder's four steps
    XCTAssertEqual(first.current.name, "autoencoder")
    try first.saveCheckpoint(to: url)
    let info = try HomoInterpModel.readInfo(HomoInterpModel.checkpointPaths(url).metadata)
    XCTAssertEqual(info.step, 5)
    XCTAssertEqual(info.metadata["phase"], "autoencoder", "the checkpoint names the phase of its last step")
    let resumed = try HomoInterpTrainer.resume(from: url, data: first.data)
    XCTAssertEqual(resumed.schedule, whole.schedule, "the phases come back from the checkpoint")
    XCTAssertEqual(resumed.current.name, "autoencoder")
    var names: [String] = []
    while resumed.step < 11 { names.append(try resumed.trainStep().phaseName) }
    XCTAssertEqual(names, ["autoencoder", "autoencoder", "edits", "edits", "edits", "edits"])
    XCTAssertEqual(try Self.parts(resumed), try Self.parts(whole), "every tensor bit-identical to the uninterrupted run")
  }

  func testSchedulesWithoutPhasesAreTheFlatOptions() {
    var o = HomoInterpTrainingOptions()
    o.steps = 20
    o.classifierSteps = 3
    o.warmupSteps = 2
    o.decoderPolishSteps = 5
    o.warmupLearningRate = 5e-4
    o.classifierRefreshEvery = 4
    let s = o.schedule
    XCTAssertEqual(s.phases.map(\.name), ["classifier", "warmup", "full", "decoder-polish"])
    XCTAssertEqual(s.phases.map(\.steps), [3, 2, 10, 5])
    XCTAssertEqual(s.phases.map(\.kind), [.classifier, .warmup, .full, .decoderPolish])
    XCTAssertEqual(s.learningRate(at: 3), 5e-4)
    XCTAssertEqual(s.learningRate(at: 5), o.learningRate)
    // Refreshes fall in the full phase only, on global multiples past its first step.
    XCTAssertEqual((0..<20).filter { s.judgeRefreshDue(at: $0, retrainedAt: nil) }, [8, 12])
    o.autoencoderFrozen = true
    XCTAssertEqual(o.schedule.phases[2].trains, [.interpolator, .critic])
  }

  func testAFreshJudgeStartsItsPhaseOnce() {
    let p = TrainingPhase(name: "a", steps: 4, trains: ModelPart.model, learningRate: 1e-4, judge: JudgeSchedule(steps: 2, freshAtStart: true, refreshEvery: 3))
    let s = TrainingSchedule([TrainingPhase(name: "j", steps: 2, trains: [.classifier], learningRate: 1e-3, judge: JudgeSchedule(steps: 2)), p])
    XCTAssertEqual((0..<6).filter { s.judgeRefreshDue(at: $0, retrainedAt: nil) }, [2, 3])
    XCTAssertFalse(s.judgeRefreshDue(at: 2, retrainedAt: 2), "a run resumed right after it does not repeat it")
  }

  func testBadSchedulesAreRefusedNamingThePhaseAndField() {
    func problem(_ phases: [TrainingPhase], teacher: Bool = true) -> TrainingScheduleError? {
      do { try TrainingSchedule(phases).validate(teacherIsClassifier: teacher) } catch let e as TrainingScheduleError { return e } catch {
        return nil
      }
      return nil
    }
    let judge = TrainingPhase(name: "judge", steps: 2, trains: [.classifier], learningRate: 1e-3, judge: JudgeSchedule(steps: 2))
    var nothing = TrainingPhase(name: "idle", steps: 2, trains: [], learningRate: 1e-4, judge: JudgeSchedule(steps: 2))
    XCTAssertEqual(problem([judge, nothing])?.field, "freeze")
    XCTAssertEqual(problem([judge, nothing])?.phase, 1)
    nothing.trains = [.decoder]
    nothing.steps = 0
    XCTAssertEqual(problem([judge, nothing])?.field, "steps")
    let mixed = TrainingPhase(name: "both", steps: 2, trains: [.classifier, .decoder], learningRate: 1e-4, judge: JudgeSchedule(steps: 2))
    XCTAssertEqual(problem([mixed])?.field, "train")
    let early = TrainingPhase(name: "ae", steps: 2, trains: [.encoder, .decoder, .projection], learningRate: 1e-4, judge: JudgeSchedule(steps: 2))
    XCTAssertNotNil(problem([early, judge]), "the classifier teaches before it is trained")
    XCTAssertNil(problem([judge, early]))
    XCTAssertEqual(problem([judge, TrainingPhase(name: "judge", steps: 1, trains: [.decoder], learningRate: 1e-4, judge: JudgeSchedule(steps: 2))])?.field, "name")
  }
}
