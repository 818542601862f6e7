import Foundation
import XCTest

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// `morph catalog …` and `morph runs …` as a user runs them.
final class CatalogCLITests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws {
    dir = FileManager.default.temporaryDirectory.appendingPathComponent("morph-cli-cat-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
  }

  override func tearDown() { try? FileManager.default.removeItem(at: dir) }

  static let names = [
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips", "Big_Nose",
    "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows", "Chubby", "Double_Chin", "Eyeglasses",
    "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open", "Mustache",
    "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks",
    "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick",
    "Wearing_Necklace", "Wearing_Necktie", "Young",
  ]

  /// Writes CelebA annotation files (attributes + partition) for `rows` images into `folder`.
  /// Image i is Smiling when i is even, Male when i % 3 == 0; every fifth image is in test.
  func writeAnnotations(rows: Int, to folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    var attr = "\(rows)\n" + Self.names.joined(separator: " ") + " \n"
    var partition = ""
    let smiling = Self.names.firstIndex(of: "Smiling")!
    let male = Self.names.firstIndex(of: "Male")!
    for i in 0..<rows {
      let name = String(format: "%06d.jpg", i + 1)
      var values = [String](repeating: "-1", count: 40)
      if i % 2 == 0 { values[smiling] = " 1" }
      if i % 3 == 0 { values[male] = " 1" }
      attr += name + " " + values.joined(separator: " ") + "\n"
      partition += "\(name) \(i % 5 == 4 ? 2 : 0)\n"
    }
    try Data(attr.utf8).write(to: folder.appendingPathComponent("list_attr_celeba.txt"))
    try Data(partition.utf8).write(to: folder.appendingPathComponent("list_eval_partition.txt"))
  }

  func morph(_ args: [String]) throws -> MorphProcess.Result {
    try MorphProcess.run(args + ["--catalog", dir.appendingPathComponent("catalog.sqlite").path])
  }

  func testIngestQueryStatsAttrsSQLAndRuns() throws {
    let celeba = dir.appendingPathComponent("celeba")
    try writeAnnotations(rows: 30, to: celeba)
    let ingest = try morph(["catalog", "ingest", "celeba", celeba.path, "--annotations-only"])
    XCTAssertEqual(ingest.status, 0, ingest.stderr)
    XCTAssertTrue(ingest.stdout.contains("ingested celeba: 30 images, 40 attributes"), ingest.stdout)

    let count = try morph(["catalog", "query", "Smiling AND NOT Male", "--count"])
    XCTAssertEqual(count.stdout, "\((0..<30).filter { $0 % 2 == 0 && $0 % 3 != 0 }.count)\n")
    let paths = try morph(["catalog", "query", "Smiling AND Male", "--split", "test", "--format", "paths"])
    let listed: [String] = paths.stdout.split(separator: "\n").map { line in
      String(line.split(separator: "/").last ?? "")
    }
    let wanted: [Int] = (0..<30).filter { $0 % 6 == 0 && $0 % 5 == 4 }
    XCTAssertEqual(listed, wanted.map { String(format: "%06d.jpg", $0 + 1) })
    XCTAssertTrue(paths.stdout.hasPrefix(celeba.path + "/"), paths.stdout)
    let json = try morph(["catalog", "query", "Smiling", "--limit", "2", "--format", "json"])
    let decoded = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
    XCTAssertEqual(decoded?.count, 2)
    XCTAssertEqual(decoded?.first?["path"] as? String, "img_align_celeba/000001.jpg")
    let csv = try morph(["catalog", "query", "Male", "--format", "csv", "--limit", "1"])
    XCTAssertEqual(csv.stdout.split(separator: "\n").first, "id,dataset,path,split,content_hash")

    let stats = try morph(["catalog", "stats"])
    XCTAssertEqual(stats.status, 0, stats.stderr)
    XCTAssertTrue(stats.stdout.contains("images: 30"), stats.stdout)
    XCTAssertTrue(stats.stdout.contains("Smiling"), stats.stdout)
    let attrs = try morph(["catalog", "attrs"])
    XCTAssertTrue(attrs.stdout.contains("hair_color"), attrs.stdout)

    let sql = try morph([
      "catalog", "sql", "SELECT COUNT(*) AS n FROM image_attribute WHERE attribute = 'Smiling' AND value = 1",
    ])
    XCTAssertEqual(sql.stdout, "n\n15\n")
    let write = try morph(["catalog", "sql", "DELETE FROM image"])
    XCTAssertNotEqual(write.status, 0)
    XCTAssertTrue(write.stderr.contains("readonly"), write.stderr)

    let runs = try morph(["runs", "list"])
    XCTAssertEqual(runs.stdout, "no runs recorded\n")
  }

  /// Commands that only read open the catalog read-only: the file (and its WAL's frames) are
  /// byte for byte what they were (issue 40: query, stats and attrs rewrote a page and the
  /// schema cookie).
  func testReadOnlyCommandsLeaveTheCatalogBytesUnchanged() throws {
    let celeba = dir.appendingPathComponent("celeba")
    try writeAnnotations(rows: 30, to: celeba)
    XCTAssertEqual(try morph(["catalog", "ingest", "celeba", celeba.path, "--annotations-only"]).status, 0)
    let recipe = dir.appendingPathComponent("r.yaml")
    try """
      catalog: catalog.sqlite
      stages:
        - { id: numbers, uses: sequence, with: { count: 3 } }
        - { id: slow, uses: delay, from: numbers, with: { ms: 0 } }
      """.write(to: recipe, atomically: true, encoding: .utf8)
    let run = try MorphProcess.run(["run", recipe.path, "--no-progress"], cwd: dir)
    XCTAssertEqual(run.status, 0, run.stdout + run.stderr)

    let file = dir.appendingPathComponent("catalog.sqlite")
    // The main file and the WAL's frames (a reader of a WAL catalog may create an empty WAL
    // and its index, as SQLite does for any reader; that changes no data).
    func bytes() throws -> [Data] {
      try [file.path, file.path + "-wal"].map { path in
        FileManager.default.fileExists(atPath: path) ? try Data(contentsOf: URL(fileURLWithPath: path)) : Data()
      }
    }
    let before = try bytes()
    let commands: [[String]] = [
      ["catalog", "query", "Smiling AND NOT Male", "--split", "test"],
      ["catalog", "query", "Smiling", "--count"],
      ["catalog", "stats"],
      ["catalog", "attrs"],
      ["catalog", "sql", "SELECT COUNT(*) FROM image"],
      ["runs", "list"],
      ["runs", "show", "1"],
      ["explain", "1", "item-000001"],
      ["plan", recipe.path],
    ]
    for command in commands {
      // `plan` finds the catalog through the recipe, from the working folder.
      let result = try command[0] == "plan" ? MorphProcess.run(command, cwd: dir) : morph(command)
      XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)")
      XCTAssertTrue(try bytes() == before, "\(command.prefix(2).joined(separator: " ")) changed the catalog file")
    }
  }

  /// `catalog query` takes the same `--max-steps` / `--timeout` as `catalog sql`.
  func testQueryStopsAtItsLimitWithAMessage() throws {
    let celeba = dir.appendingPathComponent("celeba")
    try writeAnnotations(rows: 2000, to: celeba)
    XCTAssertEqual(try morph(["catalog", "ingest", "celeba", celeba.path, "--annotations-only"]).status, 0)
    let expression = Array(repeating: "(Smiling AND NOT Male)", count: 40).joined(separator: " OR ")
    let stopped = try morph(["catalog", "query", expression, "--count", "--max-steps", "5000"])
    XCTAssertEqual(stopped.status, 1)
    XCTAssertEqual(
      stopped.stderr,
      "Error: catalog database error: the query was stopped: it ran more than 5000 steps (--max-steps); raise the "
        + "limit (--max-steps, --timeout) or narrow the expression (--split, --limit)\n")
    let counted = try morph(["catalog", "query", expression, "--count"])
    XCTAssertEqual(counted.stdout, "\((0..<2000).filter { $0 % 2 == 0 && $0 % 3 != 0 }.count)\n", counted.stderr)
  }

  func testErrorsAreOneLineWithNonZeroExit() throws {
    let missing = try morph(["catalog", "query", "Smiling"])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertTrue(missing.stderr.contains("no catalog at"), missing.stderr)

    let celeba = dir.appendingPathComponent("celeba")
    try writeAnnotations(rows: 5, to: celeba)
    XCTAssertEqual(try morph(["catalog", "ingest", "celeba", celeba.path, "--annotations-only"]).status, 0)
    let typo = try morph(["catalog", "query", "Smilng AND Male"])
    XCTAssertNotEqual(typo.status, 0)
    XCTAssertEqual(typo.stderr, "Error: query:1: unknown attribute \"Smilng\" (did you mean \"Smiling\"?)\n")
    let noImages = try morph(["catalog", "ingest", "celeba", celeba.path])
    XCTAssertNotEqual(noImages.status, 0)
    XCTAssertTrue(noImages.stderr.contains("--annotations-only"), noImages.stderr)
    XCTAssertEqual(noImages.stderr.split(separator: "\n").count, 1, noImages.stderr)
    let model = try morph(["catalog", "nearest", "000001.jpg", "--model", "vgg"])
    XCTAssertEqual(model.stderr, "Error: no model \"vgg\" in the catalog\n")
    let run = try morph(["runs", "show", "7"])
    XCTAssertEqual(run.stderr, "Error: no run \"7\" in the catalog\n")
  }

  /// SIGKILL in the middle of the write transaction leaves no trace of the dataset.
  func testKillDuringIngestLeavesNoPartialDataset() throws {
    let small = dir.appendingPathComponent("small")
    try writeAnnotations(rows: 10, to: small)
    XCTAssertEqual(
      try morph(["catalog", "ingest", "celeba", small.path, "--annotations-only", "--name", "small"]).status, 0)
    let large = dir.appendingPathComponent("large")
    try writeAnnotations(rows: 60_000, to: large)

    let process = Process()
    process.executableURL = MorphProcess.binary
    process.arguments = [
      "catalog", "ingest", "celeba", large.path, "--annotations-only", "--name", "large",
      "--catalog", dir.appendingPathComponent("catalog.sqlite").path,
    ]
    let err = Pipe()
    process.standardError = err
    process.standardOutput = Pipe()
    try process.run()
    // "writing N/M" lines are printed from inside the write transaction.
    var seen = ""
    while !seen.contains("writing ") {
      let chunk = err.fileHandleForReading.availableData
      if chunk.isEmpty { break }
      seen += String(decoding: chunk, as: UTF8.self)
    }
    XCTAssertTrue(seen.contains("writing 10000/60000"), "no progress before exit: \(seen)")
    // A second process reads while the first holds the write transaction: it is not blocked
    // and sees the last committed state.
    let during = try morph(["catalog", "sql", "SELECT COUNT(*) AS n FROM image", "--format", "csv"])
    XCTAssertEqual(during.stdout, "n\n10\n", during.stderr)
    XCTAssertTrue(process.isRunning, "ingest finished before the kill; make the dataset larger")
    kill(process.processIdentifier, SIGKILL)
    process.waitUntilExit()
    XCTAssertEqual(process.terminationReason, .uncaughtSignal)

    let datasets = try morph(["catalog", "sql", "SELECT name FROM dataset ORDER BY name", "--format", "csv"])
    XCTAssertEqual(datasets.stdout, "name\nsmall\n", datasets.stderr)
    let images = try morph(["catalog", "sql", "SELECT COUNT(*) AS n FROM image", "--format", "csv"])
    XCTAssertEqual(images.stdout, "n\n10\n")
    // The catalog is still writable afterwards and the ingest completes when rerun.
    let rerun = try morph(["catalog", "ingest", "celeba", large.path, "--annotations-only", "--name", "large"])
    XCTAssertEqual(rerun.status, 0, rerun.stderr)
    XCTAssertEqual(try morph(["catalog", "query", "dataset = large", "--count"]).stdout, "60000\n")
  }
}
