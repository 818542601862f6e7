import Foundation
import XCTest

/// `morph train cyclegan` and `morph eval compare` as a user runs them, on a tiny face set.
final class EvalCompareCLITests: XCTestCase {
  func testTrainResumeAndCompareWritesTableAndFigure() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("morph-compare-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let faces = dir.appendingPathComponent("faces").path, cg = dir.appendingPathComponent("cg").path
    XCTAssertEqual(try MorphProcess.run(["fixtures", "toyfaces", "--count", "24", "--seed", "2", "--out", faces]).status, 0)
    let train = ["train", "cyclegan", "--data", faces, "--attribute", "Smiling", "--out", cg, "--size", "32", "--ngf", "4",
      "--ndf", "4", "--blocks", "1", "--discriminator-layers", "2", "--log-every", "1"]
    let first = try MorphProcess.run(train + ["--steps", "2"])
    XCTAssertEqual(first.status, 0, first.stderr)
    XCTAssertTrue(first.stdout.contains("step 2/2"), first.stdout)
    let resumed = try MorphProcess.run(train + ["--steps", "3", "--resume"])
    XCTAssertEqual(resumed.status, 0, resumed.stderr)
    XCTAssertTrue(resumed.stdout.contains("resuming at step 2 of 3"), resumed.stdout)
    XCTAssertTrue(FileManager.default.fileExists(atPath: cg + "/samples.png"))
    let wrong = try MorphProcess.run(train + ["--steps", "4", "--resume", "--ngf", "8"])
    XCTAssertNotEqual(wrong.status, 0)
    XCTAssertTrue(wrong.stderr.contains("different config"), wrong.stderr)

    let out = dir.appendingPathComponent("cmp")
    let compare = try MorphProcess.run([
      "eval", "compare", "--methods", "pixel-lerp,cyclegan", "--cyclegan", cg + "/cyclegan.safetensors", "--data", faces,
      "--pairs", "3", "--strengths", "0,0.5,1", "--out", out.path,
    ])
    XCTAssertEqual(compare.status, 0, compare.stderr)
    XCTAssertTrue(compare.stdout.contains("pairs edited in expression"), compare.stdout)
    let md = try String(contentsOf: out.appendingPathComponent("comparison.md"), encoding: .utf8)
    for row in ["| pixel-lerp |", "| cyclegan |", "| _identity_ (reference) |", "| _truth_ (reference) |"] {
      XCTAssertTrue(md.contains(row), md)
    }
    let json = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("comparison.json"))) as? [String: Any]
    let rows = json?["rows"] as? [[String: Any]]
    XCTAssertEqual(rows?.compactMap { $0["method"] as? String }, ["pixel-lerp", "cyclegan", "identity", "truth"])
    XCTAssertEqual(json?["pairs"] as? Int, 3)
    XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent("comparison.png").path))

    // Methods whose checkpoint is missing, and unknown methods, are refused before any work.
    let refused = try MorphProcess.run(["eval", "compare", "--methods", "pixel-lerp,cyclegan", "--data", faces, "--out", out.path])
    XCTAssertNotEqual(refused.status, 0)
    XCTAssertTrue(refused.stderr.contains("needs --cyclegan"), refused.stderr)
    let noModel = try MorphProcess.run(["eval", "compare", "--methods", "pixel-lerp,homointerp", "--data", faces, "--out", out.path])
    XCTAssertNotEqual(noModel.status, 0)
    XCTAssertTrue(noModel.stderr.contains("method 'homointerp' needs --checkpoint"), noModel.stderr)
    let unknown = try MorphProcess.run(["eval", "compare", "--methods", "pixel-lerpp", "--data", faces, "--out", out.path])
    XCTAssertNotEqual(unknown.status, 0)
    XCTAssertTrue(unknown.stderr.contains("unknown method 'pixel-lerpp'"), unknown.stderr)

    // Mask options lie over each composed method's own defaults: a low threshold of 0.1 is
    // below redraw's high one (0.15) but above masked composition's (0.04).
    let maskedLow = try MorphProcess.run(
      ["eval", "compare", "--methods", "pixel-lerp,homointerp-masked", "--mask-low", "0.1", "--data", faces, "--out", out.path])
    XCTAssertNotEqual(maskedLow.status, 0)
    XCTAssertTrue(
      maskedLow.stderr.contains("--mask-low/--mask-high") && maskedLow.stderr.contains("homointerp-masked's defaults"), maskedLow.stderr)
    let redrawLow = try MorphProcess.run(["eval", "interpolation", "--model", "homointerp-redraw", "--mask-low", "0.1", "--data", faces])
    XCTAssertNotEqual(redrawLow.status, 0)
    XCTAssertTrue(redrawLow.stderr.contains("needs --checkpoint"), "the mask passes, the missing checkpoint stops it: \(redrawLow.stderr)")
    let redrawHigh = try MorphProcess.run(["eval", "interpolation", "--model", "homointerp-redraw", "--mask-low", "0.2", "--data", faces])
    XCTAssertTrue(redrawHigh.stderr.contains("homointerp-redraw's defaults"), redrawHigh.stderr)
  }
}
