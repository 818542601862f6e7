import XCTest

@testable import MorphModels

/// The training progress line: rate from the steps' own durations, ETA from the rate.
final class TrainingProgressTests: XCTestCase {
  func report(step: Int, total: Int = 300, seconds: Double) -> HomoInterpStepReport {
    HomoInterpStepReport(
      step: step, totalSteps: total, phase: .classifier, phaseName: "judge", losses: ["bce": 0.5], latentSpread: nil, collapseWarning: nil,
      seconds: seconds)
  }

  func testRateAndETAComeFromStepTimes() throws {
    // A resumed run: steps 241…250 take 0.025 s each, so 40 it/s and 50 steps left = 1.25 s.
    var progress = TrainingProgress(every: 10)
    var lines: [String] = []
    for step in 241...250 {
      if let line = progress.record(report(step: step, seconds: 0.025)) { lines.append(line) }
    }
    XCTAssertEqual(lines.count, 1)
    XCTAssertEqual(lines.first, "step 250/300 [judge] 40.00 it/s, ETA 0:00:01 — bce 0.5000")
    XCTAssertEqual(progress.stepsPerSecond, 40, accuracy: 1e-9)
  }

  func testWindowForgetsOldSteps() throws {
    var progress = TrainingProgress(every: 0, window: 4)
    for step in 1...4 { _ = progress.record(report(step: step, seconds: 10)) }
    for step in 5...8 { XCTAssertNil(progress.record(report(step: step, seconds: 0.5))) }
    XCTAssertEqual(progress.stepsPerSecond, 2, accuracy: 1e-9)
    XCTAssertEqual(TrainingProgress.duration(3725), "1:02:05")
  }

  func testLastStepAlwaysReports() throws {
    var progress = TrainingProgress(every: 100)
    XCTAssertNil(progress.record(report(step: 299, seconds: 1)))
    XCTAssertNotNil(progress.record(report(step: 300, seconds: 1)))
  }
}
