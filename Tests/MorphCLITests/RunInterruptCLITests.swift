import Foundation
import XCTest

/// `kill -9` in the middle of `morph run`, then the same run again, as a user would.
final class RunInterruptCLITests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("morph-kill-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
  }

  func morph(_ arguments: [String]) throws -> MorphProcess.Result { try MorphProcess.run(arguments, cwd: folder) }

  /// The killed run is `interrupted` once the next run starts (its process is gone), and the
  /// rerun records each (stage, item) once though many of its items come from the cache.
  func testKilledRunIsMarkedInterruptedAndTheRerunRecordsEachItemOnce() throws {
    let count = 200
    let faces = folder.appendingPathComponent("faces")
    try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
    for n in 0..<count {
      var data = Data("P6\n48 40\n255\n".utf8)
      for i in 0..<(48 * 40) { data.append(contentsOf: [UInt8(i % 251), UInt8((i * n) % 253), UInt8(n % 256)]) }
      try data.write(to: faces.appendingPathComponent(String(format: "face%03d.ppm", n)))
    }
    let recipe = MorphProcess.packageRoot.appendingPathComponent("pipelines/prepare-folder.yaml").path
    let arguments = ["run", recipe, "--set", "input=faces", "--set", "output=out", "--set", "size=48"]

    let process = Process()
    process.executableURL = MorphProcess.binary
    process.arguments = arguments + ["--json"]
    process.currentDirectoryURL = folder
    let out = Pipe()
    process.standardOutput = out
    process.standardError = FileHandle.nullDevice
    try process.run()
    // Wait until crops are being saved and their results have had time to be flushed
    // (results are written every 0.5 s), then kill mid-run.
    var seen = ""
    var firstCrop: Date?
    while true {
      let chunk = out.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      seen += String(decoding: chunk, as: UTF8.self)
      if firstCrop == nil, seen.contains(#""stage":"crops""#) { firstCrop = Date() }
      // Past 0.5 s the first results are flushed; on a fast machine the crops finish soon
      // after, so stop once half of them are done (a slow one reaches 0.7 s first).
      if let firstCrop {
        let elapsed = Date().timeIntervalSince(firstCrop)
        let crops = seen.components(separatedBy: #""stage":"crops""#).count - 1
        if elapsed > 0.7 || (elapsed > 0.55 && crops >= count / 2) { break }
      }
    }
    XCTAssertTrue(process.isRunning, "the run ended before the kill; use more images")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationReason, .uncaughtSignal)

    let before = try morph(["runs", "list"])
    XCTAssertTrue(before.stdout.contains("running"), "the killed run is left running until a run starts: \(before.stdout)")

    let rerun = try morph(arguments + ["--no-progress"])
    XCTAssertEqual(rerun.status, 0, rerun.stdout + rerun.stderr)
    XCTAssertTrue(rerun.stdout.contains("marked interrupted"), rerun.stdout)
    let list = try morph(["runs", "list"])
    XCTAssertFalse(list.stdout.contains("running"), list.stdout)
    XCTAssertTrue(list.stdout.contains("interrupted"), list.stdout)

    // Some crops came from the cache the killed run filled, and none is recorded twice.
    let cached = try morph([
      "catalog", "sql", "SELECT COUNT(*) AS n FROM stage_result WHERE run_id = 2 AND stage = 'crops' AND status = 'cached'",
      "--format", "csv",
    ])
    let cachedCrops = Int(cached.stdout.split(separator: "\n").last ?? "") ?? 0
    XCTAssertGreaterThan(cachedCrops, 0, "the killed run saved no crop: kill later")
    XCTAssertLessThan(cachedCrops, count, "the killed run had saved every crop: kill earlier")
    let duplicates = try morph([
      "catalog", "sql",
      "SELECT COUNT(*) AS n FROM (SELECT stage, item FROM stage_result WHERE run_id = 2 GROUP BY stage, item HAVING COUNT(*) > 1)",
      "--format", "csv",
    ])
    XCTAssertEqual(duplicates.stdout, "n\n0\n", duplicates.stderr)
    let crops = try morph([
      "catalog", "sql", "SELECT COUNT(*) AS n FROM stage_result WHERE run_id = 2 AND stage = 'crops'", "--format", "csv",
    ])
    XCTAssertEqual(crops.stdout, "n\n\(count)\n", crops.stderr)
  }
}
