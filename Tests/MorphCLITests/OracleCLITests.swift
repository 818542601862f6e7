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

    let bad = try MorphProcess.run(["train", "oracle", "--out", out, "--round-trip-share", "2"])
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.stderr.contains("--round-trip-share"), bad.stderr)
    let missing = try MorphProcess.run(["eval", "oracle", "--oracle", dir.appendingPathComponent("nope.safetensors").path])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertTrue(missing.stderr.contains("nope.safetensors"), missing.stderr)
  }
}
