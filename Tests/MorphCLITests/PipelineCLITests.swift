import Foundation
import XCTest

/// `morph run / validate / plan / stages / explain` as a user runs them, in a scratch folder.
final class PipelineCLITests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("morph-cli-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
  }

  var demoRecipe: String { MorphProcess.packageRoot.appendingPathComponent("pipelines/demo.yaml").path }

  /// Writes small binary PPM images (libvips reads them natively) and optionally a corrupt JPEG.
  func makeFaces(_ count: Int, corrupt: Bool) throws {
    let faces = folder.appendingPathComponent("faces")
    try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
    for n in 0..<count { try ppm(width: 40 + 4 * n, height: 36, shade: n).write(to: faces.appendingPathComponent("face\(n).ppm")) }
    if corrupt { try Data([0xFF, 0xD8, 0xFF, 0xE0, 0, 1]).write(to: faces.appendingPathComponent("broken.jpg")) }
  }

  func ppm(width: Int, height: Int, shade: Int) -> Data {
    var data = Data("P6\n\(width) \(height)\n255\n".utf8)
    for y in 0..<height {
      for x in 0..<width { data.append(contentsOf: [UInt8(x * 255 / width), UInt8(y * 255 / height), UInt8(shade * 50 % 256)]) }
    }
    return data
  }

  func morph(_ arguments: [String]) throws -> MorphProcess.Result {
    try MorphProcess.run(arguments, cwd: folder)
  }

  func assertOneLineError(_ result: MorphProcess.Result, contains text: String, line: UInt = #line) {
    XCTAssertEqual(result.status, 1, result.stderr, line: line)
    let lines = result.stderr.split(separator: "\n")
    XCTAssertEqual(lines.count, 1, result.stderr, line: line)
    XCTAssertTrue(result.stderr.hasPrefix("error: "), result.stderr, line: line)
    XCTAssertTrue(result.stderr.contains(text), result.stderr, line: line)
  }

  func testDemoRunsWithACorruptImageThenCachesAndExplains() throws {
    try makeFaces(4, corrupt: true)
    let first = try morph(["run", demoRecipe, "--set", "input=faces", "--no-progress"])
    XCTAssertEqual(first.status, 1, "a failed item makes the exit status non-zero")
    XCTAssertTrue(first.stdout.contains("out/demo/sheet.png"), first.stdout)
    XCTAssertTrue(first.stdout.contains("faces broken.jpg:"), first.stdout)
    XCTAssertTrue(first.stdout.contains("catalog: .morph/catalog.sqlite (run 1)"), first.stdout)
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/demo/sheet.png").path))
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent(".morph/catalog.sqlite").path))

    let explain = try morph(["explain", "1", "broken.jpg"])
    XCTAssertEqual(explain.status, 0, explain.stderr)
    XCTAssertTrue(explain.stdout.contains("faces: FAILED"), explain.stdout)

    // Replace the broken file with a good one; --only-failed reruns just that item.
    try FileManager.default.removeItem(at: folder.appendingPathComponent("faces/broken.jpg"))
    try ppm(width: 30, height: 30, shade: 9).write(to: folder.appendingPathComponent("faces/broken.ppm"))
    let none = try morph(["run", demoRecipe, "--set", "input=faces", "--only-failed", "1", "--no-progress"])
    XCTAssertEqual(none.status, 0, none.stdout + none.stderr)
    XCTAssertTrue(none.stdout.contains("0 items"), "the failed item is gone from the folder: \(none.stdout)")

    let full = try morph(["run", demoRecipe, "--set", "input=faces", "--json"])
    XCTAssertEqual(full.status, 0, full.stderr)
    let events = full.stdout.split(separator: "\n").map(String.init)
    XCTAssertTrue(events.allSatisfy { $0.hasPrefix("{\"event\":") }, full.stdout)
    XCTAssertEqual(events.filter { $0.contains("\"item_done\"") && $0.contains("\"crop\"") && $0.contains("\"ok\"") }.count, 1)
    XCTAssertTrue(events.last?.contains("\"run_end\"") ?? false)

    let plan = try morph(["plan", demoRecipe, "--set", "input=faces"])
    XCTAssertEqual(plan.status, 0, plan.stderr)
    XCTAssertTrue(plan.stdout.contains("nothing to do"), plan.stdout)
  }

  func testOnlyFailedRerunsJustTheFailedItems() throws {
    try makeFaces(3, corrupt: false)
    try Data([1, 2, 3]).write(to: folder.appendingPathComponent("faces/bad.ppm"))
    let first = try morph(["run", demoRecipe, "--set", "input=faces", "--no-progress"])
    XCTAssertEqual(first.status, 1)
    try ppm(width: 20, height: 20, shade: 3).write(to: folder.appendingPathComponent("faces/bad.ppm"))
    let retry = try morph(["run", demoRecipe, "--set", "input=faces", "--only-failed", "1", "--json"])
    XCTAssertEqual(retry.status, 0, retry.stderr)
    let done = retry.stdout.split(separator: "\n").filter { $0.contains("\"item_done\"") && $0.contains("\"ok\"") }
    XCTAssertEqual(done.count, 2, "load and crop of bad.ppm only: \(retry.stdout)")
    XCTAssertTrue(done.allSatisfy { $0.contains("bad.ppm") })
  }

  func testMalformedRecipeAndMissingFolderGiveOneLineErrors() throws {
    let bad = folder.appendingPathComponent("bad.yaml")
    try "stages:\n  - id: faces\n    uses: lod\n".write(to: bad, atomically: true, encoding: .utf8)
    assertOneLineError(try morph(["run", bad.path]), contains: "bad.yaml:3:11: unknown stage `lod` (did you mean `load`?)")
    assertOneLineError(try morph(["validate", bad.path]), contains: "bad.yaml:3:11")
    try "stages: [".write(to: bad, atomically: true, encoding: .utf8)
    assertOneLineError(try morph(["run", bad.path]), contains: "bad.yaml:2:1: YAML syntax")
    assertOneLineError(try morph(["run", demoRecipe, "--set", "input=nowhere"]), contains: "input folder nowhere does not exist")
    assertOneLineError(try morph(["run", "missing.yaml"]), contains: "missing.yaml: no such recipe file")
    let ok = try morph(["validate", demoRecipe])
    XCTAssertEqual(ok.status, 0)
    XCTAssertTrue(ok.stdout.contains("ok — 4 stages"), ok.stdout)
  }

  /// `morph validate` refuses values out of range at their line (issue 40: they passed and
  /// failed later, and `max_pixels: -1` read as "limit of 1 pixels").
  func testValidateRefusesOutOfRangeValuesWithTheirLine() throws {
    let recipe = folder.appendingPathComponent("r.yaml")
    let text = """
      stages:
        - { id: photos, uses: load, with: { folder: faces, max_pixels: 1000000 } }
        - id: crop
          uses: align
          from: photos
          with:
            size: 64
      """
    try text.write(to: recipe, atomically: true, encoding: .utf8)
    XCTAssertEqual(try morph(["validate", recipe.path]).status, 0)
    for (from, to, expected) in [
      ("size: 64", "size: -5", "r.yaml:7:13: parameter `size` of `align`: must be within 8…4096, got -5"),
      ("size: 64", "size: 30000", "r.yaml:7:13: parameter `size` of `align`: must be within 8…4096, got 30000"),
      ("max_pixels: 1000000", "max_pixels: -1", "r.yaml:2:66: parameter `max_pixels` of `load`: must be at least 1, got -1"),
    ] {
      try text.replacingOccurrences(of: from, with: to).write(to: recipe, atomically: true, encoding: .utf8)
      let result = try morph(["validate", recipe.path])
      assertOneLineError(result, contains: expected)
      XCTAssertFalse(result.stderr.contains("limit of 1 pixels"), result.stderr)
    }
  }

  func testRunsDiffComparesTwoRuns() throws {
    try makeFaces(3, corrupt: false)
    XCTAssertEqual(try morph(["run", demoRecipe, "--set", "input=faces", "--no-progress"]).status, 0)
    XCTAssertEqual(try morph(["run", demoRecipe, "--set", "input=faces", "--set", "size=64", "--no-progress"]).status, 0)
    let diff = try morph(["runs", "diff", "1", "2"])
    XCTAssertEqual(diff.status, 0, diff.stderr)
    XCTAssertTrue(diff.stdout.contains("size: 96 → 64"), diff.stdout)
    XCTAssertTrue(diff.stdout.contains("items_done [crop]: 3 → 3"), diff.stdout)

    // `runs show` lists the recipe's parameters, one a line; the stages' only on request.
    let show = try morph(["runs", "show", "2"])
    XCTAssertEqual(show.status, 0, show.stderr)
    XCTAssertTrue(show.stdout.contains("\n  size    64\n"), show.stdout)
    XCTAssertFalse(show.stdout.contains("crop.size"), show.stdout)
    XCTAssertTrue(show.stdout.contains("stage parameters"), show.stdout)
    let all = try morph(["runs", "show", "2", "--all-parameters"])
    XCTAssertTrue(all.stdout.contains("crop.size") && !all.stdout.contains("stage parameters"), all.stdout)
    // Metrics: one summary line per metric and stage (values, mean, min, max, last) …
    let done = show.stdout.split(separator: "\n").first { $0.hasPrefix("items_done") && $0.contains(" crop ") }
    XCTAssertEqual(done?.split(whereSeparator: \.isWhitespace), ["items_done", "crop", "1", "3", "3", "3", "3"], show.stdout)
    // … and every value on request.
    let values = try morph(["runs", "show", "2", "--all-metrics"])
    XCTAssertTrue(values.stdout.contains("\nmetrics:\nname") && values.stdout.contains("item"), values.stdout)
  }

  func testStagesListsAndDocuments() throws {
    let list = try morph(["stages"])
    for name in ["load", "align", "jitter", "to-tensor", "save", "grid", "animate"] {
      XCTAssertTrue(list.stdout.contains("\n\(name) ") || list.stdout.hasPrefix("\(name) "), name)
    }
    let one = try morph(["stages", "jitter"])
    XCTAssertTrue(one.stdout.contains("seed  ") || one.stdout.contains("seed "), one.stdout)
    assertOneLineError(try morph(["stages", "jiter"]), contains: "did you mean `jitter`?")
  }

  /// A run killed with SIGKILL mid-way resumes: the rerun does only the unfinished items.
  func testResumeAfterKillDashNine() throws {
    let recipe = folder.appendingPathComponent("slow.yaml")
    try """
      stages:
        - { id: numbers, uses: sequence, with: { count: 60 } }
        - { id: wait, uses: delay, from: numbers, with: { ms: 25 } }
      """.write(to: recipe, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = MorphProcess.binary
    process.arguments = ["run", recipe.path, "--events", "events.jsonl", "--no-progress"]
    process.currentDirectoryURL = folder
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    let events = folder.appendingPathComponent("events.jsonl")
    func doneBeforeKill() -> Int {
      let text = (try? String(contentsOf: events, encoding: .utf8)) ?? ""
      return text.split(separator: "\n").filter { $0.contains("\"item_done\"") && $0.contains("\"wait\"") }.count
    }
    let deadline = Date().addingTimeInterval(20)
    while doneBeforeKill() < 10, Date() < deadline { usleep(10_000) }
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationReason, .uncaughtSignal)
    let finished = doneBeforeKill()
    XCTAssertGreaterThanOrEqual(finished, 10)
    XCTAssertLessThan(finished, 60, "the kill came too late to test anything")

    let rerun = try morph(["run", recipe.path, "--json"])
    XCTAssertEqual(rerun.status, 0, rerun.stderr)
    let ran = rerun.stdout.split(separator: "\n").filter { $0.contains("\"item_done\"") && $0.contains("\"wait\"") && $0.contains("\"ok\"") }.count
    let cached = rerun.stdout.split(separator: "\n").filter { $0.contains("\"item_done\"") && $0.contains("\"wait\"") && $0.contains("\"cached\"") }.count
    XCTAssertEqual(ran + cached, 60)
    XCTAssertLessThanOrEqual(ran, 60 - finished, "items finished before the kill must not run again")
    XCTAssertTrue(try morph(["plan", recipe.path]).stdout.contains("nothing to do"))
  }

  func testInterruptRecordsACancelledRun() throws {
    let recipe = folder.appendingPathComponent("slow.yaml")
    try """
      stages:
        - { id: numbers, uses: sequence, with: { count: 200 } }
        - { id: wait, uses: delay, from: numbers, with: { ms: 20 } }
      """.write(to: recipe, atomically: true, encoding: .utf8)
    let process = Process()
    process.executableURL = MorphProcess.binary
    process.arguments = ["run", recipe.path, "--no-progress", "--events", "events.jsonl"]
    process.currentDirectoryURL = folder
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Interrupt once items are flowing (the handler is in place by then).
    let events = folder.appendingPathComponent("events.jsonl")
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline, !((try? String(contentsOf: events, encoding: .utf8)) ?? "").contains("\"item_done\"") {
      usleep(10_000)
    }
    kill(process.processIdentifier, SIGINT)
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationStatus, 130, text)
    XCTAssertTrue(text.contains(": cancelled"), text)
  }
}
