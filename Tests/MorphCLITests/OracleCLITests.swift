import Foundation
import XCTest

/// `morph train oracle` and `morph eval oracle` as a user runs them, on a handful of faces.
final class OracleCLITests: XCTestCase {
  func testTrainThenScoreAnOracleAsRenderedAndThroughASize() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("morph-oracle-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let out = dir.appendingPathComponent("oracle.safetensors").path
    let train = try MorphProcess.run([
      "train", "oracle", "--out", out, "--count", "16", "--validation", "8", "--epochs", "1", "--batch", "8",
      "--round-trip-share", "0.5", "--round-trip-min", "32", "--round-trip-max", "48",
    ])
    XCTAssertEqual(train.status, 0, train.stderr)
    XCTAssertTrue(train.stdout.contains("(50 % through 32–48 px)"), train.stdout)
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: dir.appendingPathComponent("oracle.json"))) as? [String: Any]
    XCTAssertEqual((report?["roundTrip"] as? [String: Any])?["size"] as? Int, 64)

    let json = dir.appendingPathComponent("held-out.json").path
    let scored = try MorphProcess.run(["eval", "oracle", "--oracle", out, "--faces", "8", "--through", "40", "--json", json])
    XCTAssertEqual(scored.status, 0, scored.stderr)
    XCTAssertTrue(scored.stdout.contains("40 px"), scored.stdout)
    XCTAssertTrue(scored.stdout.contains("Arched_Eyebrows"), scored.stdout)
    let held = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any]
    XCTAssertEqual((held?["roundTrip"] as? [String: Any])?["size"] as? Int, 40)
    XCTAssertEqual(held?["faces"] as? Int, 8)

    // With an oracle the evaluation lists every pair's outcome, one row per pair and method.
    let faces = dir.appendingPathComponent("faces").path, evalOut = dir.appendingPathComponent("eval")
    XCTAssertEqual(try MorphProcess.run(["fixtures", "toyfaces", "--count", "24", "--seed", "3", "--out", faces]).status, 0)
    let evaluated = try MorphProcess.run([
      "eval", "interpolation", "--model", "pixel-lerp", "--data", faces, "--oracle", out, "--pairs", "7", "--strengths", "0,1",
      "--out", evalOut.path,
    ])
    XCTAssertEqual(evaluated.status, 0, evaluated.stderr)
    XCTAssertTrue(evaluated.stdout.contains("pairs.csv"), evaluated.stdout)
    let rows = try String(contentsOf: evalOut.appendingPathComponent("pairs.csv"), encoding: .utf8).split(separator: "\n")
    XCTAssertEqual(rows.first, "method,pair,group,source,reference,edit_success,not_transferred,not_preserved")
    XCTAssertEqual(rows.count, 1 + 3 * 7, "pixel-lerp, identity and truth, seven pairs each")
    // (This one-epoch oracle misreads some faces, so which edits fail is not asserted here;
    // InterpolationEvaluationTests checks the outcomes under an exact oracle.)
    XCTAssertEqual(rows.filter { $0.hasPrefix("identity,") }.map { $0.split(separator: ",", omittingEmptySubsequences: false).count }, Array(repeating: 8, count: 7))

    let bad = try MorphProcess.run(["train", "oracle", "--out", out, "--round-trip-share", "2"])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.stderr.contains("--round-trip-share"), bad.stderr)
    let missing = try MorphProcess.run(["eval", "oracle", "--oracle", dir.appendingPathComponent("nope.safetensors").path])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertTrue(missing.stderr.contains("nope.safetensors"), missing.stderr)
  }
}
