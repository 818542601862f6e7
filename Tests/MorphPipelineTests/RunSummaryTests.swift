import Foundation
import XCTest

@testable import MorphPipeline

/// The one-screen summary `morph run` prints.
final class RunSummaryTests: XCTestCase {
  func testOutputsAndFailuresAreListedInOrder() {
    let outputs = ["000010", "000002", "000001", "000003"].map { (stage: "save", item: $0, path: "/w/out/\($0).png") }
    let outcome = Scheduler.Outcome(
      status: .succeeded, stages: [("save", 4, 0, 2, 0.1, 0.05)],
      failures: [("load", "b.jpg", "corrupt"), ("load", "a.jpg", "empty")], outputs: outputs, peakQueued: 0,
      recordingError: nil)
    let report = RunReport(
      runID: 1, recipeName: "r", status: .succeeded, itemCount: 6, seconds: 1, outcome: outcome, catalogPath: "/w/c.sqlite",
      baseDirectory: URL(fileURLWithPath: "/w"))
    let lines = report.summary.split(separator: "\n").map(String.init)
    let listed = lines.filter { $0.hasPrefix("  out/") }
    XCTAssertEqual(listed, ["  out/000001.png", "  out/000002.png", "  out/000003.png", "  out/000010.png"])
    let failed = lines.filter { $0.hasPrefix("  load ") }
    XCTAssertEqual(failed, ["  load a.jpg: empty", "  load b.jpg: corrupt"])
  }
}
