import Foundation
import XCTest

/// scripts/demo-bar, which holds a trained model to the demo's bar over several evaluation
/// reports: sets are weighted by their pairs, each criterion is judged on the pooled figure, and
/// a set short of the bar alone does not fail a pool that meets it.
final class DemoBarScriptTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("morph-demo-bar-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
  }

  /// An evaluation report as `morph eval interpolation --oracle` writes it, reduced to what the script reads.
  func report(_ name: String, pairs: Int, editSuccess: Double, psnr: Double) throws -> URL {
    let overall: [String: Any] = [
      "group": "overall", "pairs": pairs, "editSuccess": editSuccess, "transfer": 0.95, "preservation": 0.99,
      "reach": 0.9, "linearityR2": 0.97, "reconPSNR": psnr,
    ]
    let json: [String: Any] = [
      "data": "toy", "pairs": pairs,
      "methods": [
        ["method": "homointerp", "overall": overall, "groups": [], "pairs": []],
        ["method": "identity", "overall": overall.merging(["editSuccess": 0.0]) { $1 }, "groups": [], "pairs": []],
      ],
    ]
    let directory = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try JSONSerialization.data(withJSONObject: json).write(to: directory.appendingPathComponent("metrics.json"))
    return directory
  }

  func runScript(_ arguments: [String]) throws -> MorphProcess.Result {
    let script = MorphProcess.packageRoot.appendingPathComponent("scripts/demo-bar")
    return try MorphProcess.execute(URL(fileURLWithPath: "/usr/bin/env"), ["python3", script.path] + arguments, cwd: folder)
  }

  func verdict(_ result: MorphProcess.Result) throws -> [String: Any] {
    try XCTUnwrap(JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stderr)
  }

  func testPoolsTheSetsByTheirPairs() throws {
    // 0.80 on 100 pairs and 0.90 on 300: 0.875 over 400, which meets 0.85 though one set alone does not.
    let a = try report("a", pairs: 100, editSuccess: 0.80, psnr: 28.5)
    let b = try report("b", pairs: 300, editSuccess: 0.90, psnr: 28.1)
    let result = try runScript([a.path, b.appendingPathComponent("metrics.json").path])
    XCTAssertEqual(result.status, 0, result.stderr + result.stdout)
    let json = try verdict(result)
    XCTAssertEqual(json["pairs"] as? Int, 400)
    XCTAssertEqual(json["met"] as? Bool, true)
    let pooled = try XCTUnwrap(json["pooled"] as? [String: Double])
    XCTAssertEqual(try XCTUnwrap(pooled["editSuccess"]), 0.875, accuracy: 1e-12)
    XCTAssertEqual(try XCTUnwrap(pooled["reconPSNR"]), 28.2, accuracy: 1e-12)
  }

  func testAPoolShortOfTheBarFailsAndNamesTheCriterion() throws {
    let a = try report("a", pairs: 200, editSuccess: 0.86, psnr: 27.9)
    let b = try report("b", pairs: 200, editSuccess: 0.80, psnr: 27.95)
    let result = try runScript([a.path, b.path])
    XCTAssertEqual(result.status, 1, result.stderr + result.stdout)
    let json = try verdict(result)
    let failed = try XCTUnwrap(json["criteria"] as? [[String: Any]]).filter { $0["met"] as? Bool == false }
    XCTAssertEqual(failed.compactMap { $0["key"] as? String }, ["editSuccess", "reconPSNR"])
  }

  func testAnotherMethodIsReadWithMethod() throws {
    let a = try report("a", pairs: 200, editSuccess: 0.9, psnr: 29)
    let result = try runScript(["--method", "identity", a.path])
    XCTAssertEqual(result.status, 1, result.stderr + result.stdout)
    XCTAssertEqual(try verdict(result)["method"] as? String, "identity")
  }

  func testAnUnreadableReportIsNamed() throws {
    let missing = folder.appendingPathComponent("nowhere").path
    let result = try runScript([missing])
    XCTAssertEqual(result.status, 2)
    XCTAssertTrue(result.stderr.contains("nowhere/metrics.json") || result.stderr.contains("nowhere"), result.stderr)
    let a = try report("a", pairs: 200, editSuccess: 0.9, psnr: 29)
    let unknown = try runScript(["--method", "cyclegan", a.path])
    XCTAssertEqual(unknown.status, 2)
    XCTAssertTrue(unknown.stderr.contains("no method 'cyclegan' (it has: homointerp, identity)"), unknown.stderr)
  }
}
