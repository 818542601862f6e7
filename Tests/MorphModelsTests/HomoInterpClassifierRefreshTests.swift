import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// A judge that changes: the classifier seed and the refreshing run.
final class HomoInterpClassifierRefreshTests: XCTestCase {
  /// Classifier steps 0–1, warm-up 2–3, full steps 4–9; a refresh every 3 steps.
  static func refreshOptions(every: Int? = 3) -> HomoInterpTrainingOptions {
    var options = HomoInterpTrainingOptions()
    options.steps = 10
    options.batchSize = 4
    options.classifierSteps = 2
    options.warmupSteps = 2
    options.nCritic = 1
    options.jitter = false
    options.seed = 9
    options.classifierRefreshEvery = every
    return options
  }

  func testTheClassifierSeedChoosesTheClassifiersWeightsAlone() throws {
    var options = Self.refreshOptions(every: nil)
    let plain = try HomoInterpTrainingTests.trainer(options)
    options.classifierSeed = 9
    let sameSeed = try HomoInterpTrainingTests.trainer(options)
    options.classifierSeed = 2
    let other = try HomoInterpTrainingTests.trainer(options)
    let weights = { (t: HomoInterpTrainer) in try XCTUnwrap(t.classifier).parameters.map(\.scalars) }
    XCTAssertEqual(try weights(plain), try weights(sameSeed), "no classifier seed means the run's seed")
    XCTAssertNotEqual(try weights(plain), try weights(other))
    XCTAssertEqual(
      plain.model.interpolator.parameters.map(\.scalars), other.model.interpolator.parameters.map(\.scalars),
      "the model's weights do not depend on the classifier's seed")
  }

  func testRefreshesFallOnFullStepsOfTheIntervalOnlyOnce() {
    var o = Self.refreshOptions(every: 3)
    XCTAssertEqual((0..<10).filter { o.classifierRefreshDue(at: $0) }, [6, 9], "not in the classifier or warm-up phases, nor at the first full step")
    o.classifierRetrainedAtStep = 6
    XCTAssertEqual((0..<10).filter { o.classifierRefreshDue(at: $0) }, [9], "a refresh already made is not made again")
    XCTAssertNotEqual(o.classifierSeed(refreshedAt: 6), o.classifierSeed(refreshedAt: 9))
    XCTAssertEqual(o.refreshedClassifierSteps, 2, "the classifier's own steps when it was never retrained")
    o.classifierRetrainSteps = 5
    XCTAssertEqual(o.refreshedClassifierSteps, 5)
    XCTAssertTrue((0..<10).allSatisfy { !Self.refreshOptions(every: nil).classifierRefreshDue(at: $0) })
  }

  func testABadRefreshIntervalIsRefused() {
    var negative = Self.refreshOptions(every: -1)
    XCTAssertThrowsError(try negative.validate()) { XCTAssertTrue("\($0)".contains("refresh interval"), "\($0)") }
    negative.classifierRefreshEvery = 0
    XCTAssertNoThrow(try negative.validate())
    var untrained = Self.refreshOptions(every: 3)
    untrained.classifierSteps = 0
    untrained.weights.pixelAttribute = 0
    untrained.teacherVGG19 = "vgg19.safetensors"
    XCTAssertThrowsError(try untrained.validate()) { XCTAssertTrue("\($0)".contains("needs training steps"), "\($0)") }
  }

  /// A refreshing run retrains its classifier afresh at steps 6 and 9 (reported in the
  /// classifier phase), with a new optimiser state and new weights each time, and records it;
  /// resumed right after the last refresh, it does not refresh again and continues exactly.
  func testARefreshingRunRetrainsItsJudgeAndResumesAfterIt() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("refresh-\(UUID().uuidString)")
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("homointerp.safetensors")
    let copy = dir.appendingPathComponent("after-refresh.safetensors")
    let a = try HomoInterpTrainingTests.trainer(Self.refreshOptions())
    let classifier = try XCTUnwrap(a.classifier)
    var reports: [HomoInterpStepReport] = []
    var weightsBefore: [[Float]] = [], weightsAfter: [[Float]] = []
    try a.run(checkpoint: url, checkpointEvery: 0, sampleDirectory: nil, sampleEvery: 0) { report in
      reports.append(report)
      // The last full step before the refresh at 6, and the first refresh step after it.
      if report.phase == .full && report.step == 6 { weightsBefore = classifier.parameters.map(\.scalars) }
      if report.phase == .classifier && reports.count == 7 { weightsAfter = classifier.parameters.map(\.scalars) }
      // Before the last step's checkpoint: the file is the one written right after the refresh at 9.
      if report.phase == .full && report.step == 10 {
        for (from, to) in [(url, copy), (HomoInterpModel.checkpointPaths(url).metadata, HomoInterpModel.checkpointPaths(copy).metadata)] {
          try? FileManager.default.copyItem(at: from, to: to)
        }
      }
    }
    let c = HomoInterpPhase.classifier, w = HomoInterpPhase.warmup, f = HomoInterpPhase.full
    XCTAssertEqual(reports.map(\.phase), [c, c, w, w, f, f, c, c, f, f, f, c, c, f])
    XCTAssertEqual(reports.map(\.step), [1, 2, 3, 4, 5, 6, 1, 2, 7, 8, 9, 1, 2, 10])
    XCTAssertEqual(a.options.classifierRetrainedAtStep, 9)
    XCTAssertEqual(a.classifierOptimizer?.stepCount, 2, "the optimiser started afresh with the classifier")
    XCTAssertFalse(weightsBefore.isEmpty || weightsAfter.isEmpty)
    // One classifier step moves every weight a little; a fresh start moves them far.
    let moved = zip(weightsBefore, weightsAfter).map { old, new in zip(old, new).map { abs($0 - $1) }.max() ?? 0 }
    XCTAssertGreaterThan(moved.max() ?? 0, 0.05, "the classifier restarted from new weights")
    XCTAssertTrue(classifier.parameters.allSatisfy { !$0.requiresGrad }, "a refreshed judge stays frozen for the interpolator's losses")

    let b = try HomoInterpTrainer.resume(from: copy, data: a.data)
    XCTAssertEqual(b.step, 9)
    XCTAssertEqual(b.options.classifierRetrainedAtStep, 9)
    var resumed: [HomoInterpStepReport] = []
    try b.run(checkpoint: copy, checkpointEvery: 0, sampleDirectory: nil, sampleEvery: 0) { resumed.append($0) }
    XCTAssertEqual(resumed.map(\.phase), [f], "the refresh at 9 is not repeated")
    XCTAssertEqual(b.classifier?.parameters.map(\.scalars), classifier.parameters.map(\.scalars))
    XCTAssertEqual(b.model.interpolator.parameters.map(\.scalars), a.model.interpolator.parameters.map(\.scalars))
  }
}
