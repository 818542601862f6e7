import Crypto
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
}
