import MorphPipeline
import XCTest

/// `Shard`: which items a shard takes, from the command line or a cluster engine's environment.
final class ShardTests: XCTestCase {
  var folder: URL!

  override func setUp() {
    folder = temporaryFolder(self)
  }

  func plan(count n: Int, shard: Shard?) throws -> ExecutionPlan {
    let yaml = """
      stages:
        - { id: numbers, uses: sequence, with: { count: \(n) } }
        - { id: wait, uses: delay, from: numbers, with: { ms: 0 } }
      """
    let graph = try RecipeValidator(registry: .builtIn).validate(RecipeParser.parse(yaml, file: "t.yaml"))
    return try Planner(cache: ContentCache(root: folder.appendingPathComponent("cache")), baseDirectory: folder)
      .plan(graph, shard: shard)
  }

  func testTheBucketIsAFixedFunctionOfTheItemID() {
    // SHA-256("morph-shard-v1\n" + id), first 8 bytes big-endian, mod N — values from Python's hashlib:
    // int.from_bytes(hashlib.sha256(b"morph-shard-v1\n000001.jpg").digest()[:8], "big") % 3 == 1
    XCTAssertEqual(Shard.bucket(of: "000001.jpg", count: 3), 1)
    XCTAssertEqual(Shard.bucket(of: "000002.jpg", count: 3), 1)
    XCTAssertEqual(Shard.bucket(of: "a/b.png", count: 7), 5)
    XCTAssertEqual(Shard.bucket(of: "item-000000", count: 2), 0)
  }

  func testShardsPartitionTheItemsEvenlyAndKeepTheirOrder() throws {
    let n = 3000
    var seen: [String: Int] = [:]
    for k in 0..<3 {
      let items = try XCTUnwrap(plan(count: n, shard: Shard(index: k, count: 3)).stage("numbers")).items
      XCTAssertEqual(Double(items.count), Double(n) / 3, accuracy: Double(n) * 0.04, "shard \(k)")
      for item in items {
        XCTAssertNil(seen[item.id], "\(item.id) in two shards")
        seen[item.id] = k
        // An item keeps its position in the whole list (jitter seeds and sheets use it).
        XCTAssertEqual(item.ordinal, Int(item.id.dropFirst(5)))
      }
      // Every per-item result of a shard is an output (reductions are left to a whole run).
      XCTAssertEqual(try XCTUnwrap(plan(count: n, shard: Shard(index: k, count: 3)).stage("wait")).runCount, items.count)
    }
    XCTAssertEqual(seen.count, n)
  }

  func testAddingItemsMovesNoItemAlreadyThere() throws {
    for k in 0..<4 {
      let shard = try Shard(index: k, count: 4)
      let before = Set(try XCTUnwrap(plan(count: 200, shard: shard).stage("numbers")).items.map(\.id))
      let after = Set(try XCTUnwrap(plan(count: 260, shard: shard).stage("numbers")).items.map(\.id))
      XCTAssertTrue(before.isSubset(of: after), "shard \(k)")
      XCTAssertTrue(after.subtracting(before).allSatisfy { Int($0.dropFirst(5))! >= 200 })
    }
  }

  func testAShardRunProcessesOnlyItsItems() async throws {
    let shard = try Shard(index: 1, count: 2)
    let plan = try plan(count: 40, shard: shard)
    let outcome = await Scheduler(plan: plan, cache: ContentCache(root: folder.appendingPathComponent("cache")), baseDirectory: folder).run()
    XCTAssertEqual(outcome.status, .succeeded)
    let done = outcome.stages.first { $0.stage == "wait" }?.done
    XCTAssertEqual(done, (0..<40).filter { Shard.bucket(of: "item-" + String(format: "%06d", $0), count: 2) == 1 }.count)
  }

  func testParsingAndTheEnvironment() throws {
    XCTAssertEqual(try Shard(parsing: "2/5"), try Shard(index: 2, count: 5))
    for bad in ["5/5", "-1/3", "1/0", "1-3", "a/b", "1/2/3"] {
      XCTAssertThrowsError(try Shard(parsing: bad), bad) { XCTAssertTrue("\($0)".hasPrefix("shard: "), "\($0)") }
    }
    // Slurm: --array=1-4 numbers the tasks from 1; SLURM_ARRAY_TASK_MIN moves them back to 0.
    XCTAssertEqual(
      try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "4", "SLURM_ARRAY_TASK_MIN": "1"]),
      try Shard(index: 2, count: 4))
    XCTAssertEqual(
      try Shard.fromEnvironment(["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "2", "SLURM_ARRAY_TASK_STEP": "1"]),
      try Shard(index: 0, count: 2))
    XCTAssertEqual(try Shard.fromEnvironment(["JOB_COMPLETION_INDEX": "4", "MORPH_SHARDS": "8"]), try Shard(index: 4, count: 8))
    let failures: [([String: String], String)] = [
      (["SLURM_ARRAY_TASK_ID": "0"], "SLURM_ARRAY_TASK_COUNT is not"),
      (["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_STEP": "2"], "step 2"),
      (["JOB_COMPLETION_INDEX": "1"], "MORPH_SHARDS is not"),
      (["JOB_COMPLETION_INDEX": "x", "MORPH_SHARDS": "2"], "JOB_COMPLETION_INDEX=x is not a whole number"),
      (["JOB_COMPLETION_INDEX": "2", "MORPH_SHARDS": "2"], "shard index 2 is not one of 0…1"),
      ([:], "found neither"),
    ]
    for (environment, text) in failures {
      XCTAssertThrowsError(try Shard.fromEnvironment(environment)) { XCTAssertTrue("\($0)".contains(text), "\($0)") }
    }
  }

  func testEachShardHasItsOwnCatalogFile() throws {
    let shard = try Shard(index: 0, count: 3)
    XCTAssertEqual(
      shard.catalogURL(for: URL(fileURLWithPath: "/w/.morph/catalog.sqlite")).path, "/w/.morph/catalog.shard-0-of-3.sqlite")
    XCTAssertEqual(shard.catalogURL(for: URL(fileURLWithPath: "/w/cat")).path, "/w/cat.shard-0-of-3")
  }

  func testALongRunGoesInWindowsWithTheSameResult() async throws {
    let faces = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("Fixtures/faces/img_align_celeba").path
    let yaml = """
      stages:
        - { id: photos, uses: load, with: { folder: "\(faces)" } }
        - { id: crop, uses: align, from: photos, with: { mode: centre-crop, size: 32 } }
        - { id: save, uses: save, from: crop, with: { folder: out } }
      """
    let graph = try RecipeValidator(registry: .builtIn).validate(RecipeParser.parse(yaml, file: "t.yaml"))
    var options = RunOptions()
    options.windowSize = 3
    let run = PipelineRun(graph: graph, baseDirectory: folder, options: options, morphVersion: "test")
    let planner = Planner(cache: ContentCache(root: run.cacheRoot), baseDirectory: folder)
    XCTAssertEqual(try planner.windowableItemIDs(graph)?.count, 8)
    let report = try await run.run()
    XCTAssertEqual(report.status, .succeeded, report.summary)
    XCTAssertEqual(report.itemCount, 8)
    XCTAssertEqual(report.outcome.stages.first { $0.stage == "save" }?.done, 8, report.summary)
    XCTAssertEqual(report.outcome.outputCount, 8)
    XCTAssertEqual(report.outcome.outputs.map { URL(fileURLWithPath: $0.path).lastPathComponent }.first, "000001.png")
    XCTAssertTrue(report.summary.contains("… and 0 more") == false)
    let again = try await PipelineRun(graph: graph, baseDirectory: folder, options: options, morphVersion: "test").run()
    XCTAssertEqual(again.outcome.stages.first { $0.stage == "save" }?.cached, 8, again.summary)
  }
}
