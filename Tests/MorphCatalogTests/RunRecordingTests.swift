import Foundation
import GRDB
import MorphCatalog
import XCTest

final class RunRecordingTests: XCTestCase {
  func testRunLifecycleIsRecorded() throws {
    let catalog = try Catalog.inMemory()
    let started = Date(timeIntervalSince1970: 1_800_000_000)
    let id = try catalog.startRun(
      RunStart(
        recipeName: "demo", recipeText: "stages: []\n", parametersJSON: #"{"strength": 0.7}"#,
        morphVersion: "0.1.0", host: "box", startedAt: started))
    var run = try catalog.run(id: id)
    XCTAssertEqual(run.status, .running)
    XCTAssertEqual(run.recipeHash, SHA256.hex("stages: []\n"))
    XCTAssertEqual(run.host, "box")
    XCTAssertEqual(run.startedAt.timeIntervalSince1970, started.timeIntervalSince1970, accuracy: 0.001)
    XCTAssertNil(run.endedAt)

    try catalog.recordStageResults([
      StageResult(runID: id, stage: "load", item: "a.jpg", cacheKey: "k1", status: .ok, durationSeconds: 0.5),
      StageResult(
        runID: id, stage: "load", item: "b.jpg", cacheKey: "k2", status: .failed, error: "bad jpeg",
        durationSeconds: 0.1),
    ])
    try catalog.recordMetric(MetricRecord(runID: id, name: "psnr", value: 31.5, stage: "score", step: 3))
    try catalog.recordArtifact(
      ArtifactRecord(runID: id, path: "out/a.png", sha256: "ab", byteSize: 12, stage: "save", cacheKey: "k1"))
    try catalog.finishRun(id: id, status: .succeeded, itemCount: 2, endedAt: started.addingTimeInterval(10))

    run = try catalog.run(id: id)
    XCTAssertEqual(run.status, .succeeded)
    XCTAssertEqual(run.itemCount, 2)
    XCTAssertEqual(run.endedAt?.timeIntervalSince1970 ?? 0, started.timeIntervalSince1970 + 10, accuracy: 0.001)
    let results = try catalog.stageResults(runID: id)
    XCTAssertEqual(results.map(\.status), [.ok, .failed])
    XCTAssertEqual(results[1].error, "bad jpeg")
    XCTAssertEqual(try catalog.metrics(runID: id).map(\.value), [31.5])
    XCTAssertEqual(try catalog.metrics(runID: id).first?.step, 3)
    XCTAssertEqual(try catalog.artifacts(runID: id).map(\.path), ["out/a.png"])
    XCTAssertEqual(try catalog.artifacts(cacheKey: "k1").count, 1)
    XCTAssertEqual(try catalog.runs().map(\.id), [id])
  }

  /// A run left `running` by a dead process on this host becomes `interrupted`; a live one, one
  /// of another host and one without an owner are left alone.
  func testRunsOfDeadProcessesAreMarkedInterrupted() throws {
    let catalog = try Catalog.inMemory()
    let me = try XCTUnwrap(RunOwner.current, "this test needs /proc")
    XCTAssertTrue(me.isAlive)
    var dead = me
    dead.startTicks += 1  // same pid, another start: the pid was reused, the owner is gone
    let reused = try catalog.startRun(RunStart(recipeName: "r", recipeText: "x", morphVersion: "0", host: "box", owner: dead))
    let alive = try catalog.startRun(RunStart(recipeName: "r", recipeText: "x", morphVersion: "0", host: "box", owner: me))
    let elsewhere = try catalog.startRun(
      RunStart(recipeName: "r", recipeText: "x", morphVersion: "0", host: "other", owner: dead))
    let unknown = try catalog.startRun(RunStart(recipeName: "r", recipeText: "x", morphVersion: "0", host: "box", owner: nil))
    var rebooted = me
    rebooted.bootID = "another-boot"
    let beforeReboot = try catalog.startRun(
      RunStart(recipeName: "r", recipeText: "x", morphVersion: "0", host: "box", owner: rebooted))
    let done = try catalog.startRun(RunStart(recipeName: "r", recipeText: "x", morphVersion: "0", host: "box", owner: dead))
    try catalog.finishRun(id: done, status: .succeeded, itemCount: 1)

    XCTAssertEqual(try catalog.markInterruptedRuns(host: "box"), [reused, beforeReboot])
    XCTAssertEqual(
      try [reused, alive, elsewhere, unknown, beforeReboot, done].map { try catalog.run(id: $0).status },
      [.interrupted, .running, .running, .running, .interrupted, .succeeded])
    XCTAssertNotNil(try catalog.run(id: reused).endedAt)
    XCTAssertEqual(
      try catalog.run(id: reused).error, "interrupted: its process (\(me.pid) on box) ended without finishing the run")
    XCTAssertEqual(try catalog.markInterruptedRuns(host: "box"), [], "already marked")
    XCTAssertEqual(RunOwner(text: me.text), me)
  }

  func testCachedResultIgnoresFailuresAndPrefersNewest() throws {
    let catalog = try Catalog.inMemory()
    let first = try catalog.startRun(RunStart(recipeName: "r", recipeText: "x", morphVersion: "0.1.0"))
    let second = try catalog.startRun(RunStart(recipeName: "r", recipeText: "x", morphVersion: "0.1.0"))
    try catalog.recordStageResult(
      StageResult(runID: first, stage: "s", item: "i", cacheKey: "key", status: .ok, durationSeconds: 1))
    try catalog.recordStageResult(
      StageResult(runID: second, stage: "s", item: "i", cacheKey: "key", status: .failed, durationSeconds: 1))
    XCTAssertEqual(try catalog.cachedResult(forKey: "key")?.runID, first)
    XCTAssertNil(try catalog.cachedResult(forKey: "other"))
  }

  func testBadParametersAndUnknownRunAreErrors() throws {
    let catalog = try Catalog.inMemory()
    XCTAssertThrowsError(
      try catalog.startRun(RunStart(recipeName: "r", recipeText: "x", parametersJSON: "[1]", morphVersion: "0")))
    XCTAssertThrowsError(try catalog.run(id: 42)) { error in
      XCTAssertEqual(error as? CatalogError, .notFound(kind: "run", name: "42"))
    }
    XCTAssertThrowsError(try catalog.finishRun(id: 42, status: .failed, itemCount: 0))
  }

  func testFileCatalogIsWALAndMigrated() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("morph-cat-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("sub/catalog.sqlite")
    XCTAssertThrowsError(try Catalog.open(at: url, create: false))
    let catalog = try Catalog.open(at: url)
    let mode = try catalog.writer.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
    XCTAssertEqual(mode, "wal")
    let applied = try catalog.writer.read { try CatalogSchema.migrator.appliedMigrations($0) }
    XCTAssertEqual(applied, CatalogSchema.migrationNames)
    let groups = try catalog.writer.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM attribute_group") }
    XCTAssertEqual(groups, 9)
    // Reopening runs no migration twice and keeps data.
    let id = try catalog.startRun(RunStart(recipeName: "r", recipeText: "x", morphVersion: "0.1.0"))
    let again = try Catalog.open(at: url)
    XCTAssertEqual(try again.run(id: id).recipeName, "r")
    // The read-only connection refuses writes.
    let reader = try Catalog.openReadOnly(at: url)
    XCTAssertThrowsError(try reader.read { try $0.execute(sql: "DELETE FROM run") })
  }
  /// A catalog made before runs had owners keeps its runs and their results through the
  /// rebuild of the `run` table, and then accepts `interrupted`.
  func testOlderCatalogGainsRunOwnersKeepingItsRuns() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("morph-cat-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("catalog.sqlite")
    do {
      let old = try DatabaseQueue(path: url.path)
      try CatalogSchema.migrator.migrate(old, upTo: "0004-faces")
      try old.write { db in
        try db.execute(
          sql: """
            INSERT INTO run (id, recipe_name, recipe_text, recipe_hash, parameters, morph_version, host, started_at, status)
            VALUES (7, 'r', 'x', 'h', '{}', '0', 'box', '2026-01-01 00:00:00.000', 'running');
            INSERT INTO stage_result (run_id, stage, item, cache_key, status, duration_seconds, recorded_at)
            VALUES (7, 'load', 'a.jpg', 'k', 'ok', 0.1, '2026-01-01 00:00:00.000');
            """)
      }
    }
    // A read-only open brings an older catalog up to date once, then refuses writes.
    let reader = try Catalog.openForReading(at: url)
    XCTAssertEqual(try reader.run(id: 7).recipeName, "r")
    XCTAssertThrowsError(try reader.finishRun(id: 7, status: .failed, itemCount: 0))
    let catalog = try Catalog.open(at: url)
    XCTAssertEqual(try catalog.run(id: 7).status, .running)
    XCTAssertEqual(try catalog.stageResults(runID: 7).map(\.item), ["a.jpg"])
    XCTAssertEqual(try catalog.markInterruptedRuns(host: "box"), [], "a run without an owner cannot be judged")
    try catalog.finishRun(id: 7, status: .interrupted, itemCount: 1)
    XCTAssertEqual(try catalog.run(id: 7).status, .interrupted)
    let problems = try catalog.writer.read { try Row.fetchAll($0, sql: "PRAGMA foreign_key_check") }
    XCTAssertEqual(problems.count, 0)
  }
}
