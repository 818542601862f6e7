import Crypto
import Foundation
import GRDB

// MARK: - Recording runs (the scheduler's API)

extension Catalog {
  /// Records the start of a run (status `running`) and returns its id.
  /// Throws `invalidArgument` when `parametersJSON` is not a JSON object.
  @discardableResult
  public func startRun(_ start: RunStart) throws -> Int64 {
    guard let data = start.parametersJSON.data(using: .utf8),
      (try? JSONSerialization.jsonObject(with: data)) is [String: Any]
    else {
      throw CatalogError.invalidArgument(
        "run parameters must be a JSON object, got: \(start.parametersJSON.prefix(80))")
    }
    let hash = SHA256.hex(start.recipeText)
    return try write { db in
      try db.execute(
        sql: """
          INSERT INTO run (recipe_name, recipe_text, recipe_hash, parameters, morph_version, host, started_at, status,
            owner, shard_index, shard_count, uid)
          VALUES (?, ?, ?, ?, ?, ?, ?, 'running', ?, ?, ?, ?)
          """,
        arguments: [
          start.recipeName, start.recipeText, hash, start.parametersJSON, start.morphVersion, start.host,
          start.startedAt, start.owner?.text, start.shard?.index, start.shard?.count, UUID().uuidString.lowercased(),
        ])
      return db.lastInsertedRowID
    }
  }

  /// Marks `interrupted` every run still `running` whose process is gone, and returns their ids.
  ///
  /// Only runs recorded on this `host` with an owner can be judged (see `RunOwner`); runs of
  /// other hosts, and rows from before owners were recorded, are left as they are. The run
  /// keeps the item count it last recorded; its end time is when it was found dead.
  @discardableResult
  public func markInterruptedRuns(
    host: String = ProcessInfo.processInfo.hostName, isAlive: (RunOwner) -> Bool = { $0.isAlive }, at now: Date = Date()
  ) throws -> [Int64] {
    try write { db in
      let rows = try Row.fetchAll(
        db, sql: "SELECT id, owner FROM run WHERE status = 'running' AND host = ? AND owner IS NOT NULL", arguments: [host])
      var dead: [Int64] = []
      for row in rows {
        guard let text: String = row["owner"], let owner = RunOwner(text: text), !isAlive(owner) else { continue }
        let id: Int64 = row["id"]
        try db.execute(
          sql: "UPDATE run SET status = 'interrupted', ended_at = ?, error = ? WHERE id = ? AND status = 'running'",
          arguments: [now, "interrupted: its process (\(owner.pid) on \(host)) ended without finishing the run", id])
        dead.append(id)
      }
      return dead
    }
  }

  /// Records the end of a run: final status, number of items processed, and the error if any.
  public func finishRun(
    id: Int64, status: RunStatus, itemCount: Int, error: String? = nil, endedAt: Date = Date()
  ) throws {
    try write { db in
      try db.execute(
        sql: "UPDATE run SET status = ?, item_count = ?, error = ?, ended_at = ? WHERE id = ?",
        arguments: [status.rawValue, itemCount, error, endedAt, id])
      if db.changesCount == 0 { throw CatalogError.notFound(kind: "run", name: String(id)) }
    }
  }

  /// Updates the running item count of a run (for progress display by other processes).
  public func updateRunItemCount(id: Int64, itemCount: Int) throws {
    try write { db in
      try db.execute(sql: "UPDATE run SET item_count = ? WHERE id = ?", arguments: [itemCount, id])
    }
  }

  /// Records stage results, all in one transaction (batch them: one transaction per item costs
  /// a disk sync each).
  public func recordStageResults(_ results: [StageResult]) throws {
    guard !results.isEmpty else { return }
    try write { db in
      let statement = try db.makeStatement(
        sql: """
          INSERT INTO stage_result (run_id, stage, item, cache_key, status, error, duration_seconds, output, recorded_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
      for r in results {
        try statement.execute(arguments: [
          r.runID, r.stage, r.item, r.cacheKey, r.status.rawValue, r.error, r.durationSeconds, r.outputJSON,
          r.recordedAt,
        ])
      }
    }
  }

  /// Records one stage result.
  public func recordStageResult(_ result: StageResult) throws {
    try recordStageResults([result])
  }

  /// The most recent successful (`ok` or `cached`) result with this cache key, from any run,
  /// or nil. The scheduler uses it to skip work whose inputs and parameters are unchanged.
  public func cachedResult(forKey cacheKey: String) throws -> StageResult? {
    try read { db in
      try Row.fetchOne(
        db,
        sql: """
          SELECT * FROM stage_result WHERE cache_key = ? AND status IN ('ok', 'cached')
          ORDER BY recorded_at DESC, id DESC LIMIT 1
          """, arguments: [cacheKey]
      ).map(Self.stageResult)
    }
  }

  /// Records metrics in one transaction.
  public func recordMetrics(_ metrics: [MetricRecord]) throws {
    guard !metrics.isEmpty else { return }
    try write { db in
      let statement = try db.makeStatement(
        sql: "INSERT INTO metric (run_id, name, value, stage, item, step, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)")
      for m in metrics {
        try statement.execute(arguments: [m.runID, m.name, m.value, m.stage, m.item, m.step, m.recordedAt])
      }
    }
  }

  /// Records one metric.
  public func recordMetric(_ metric: MetricRecord) throws { try recordMetrics([metric]) }

  /// Records artifacts in one transaction (see `ArtifactRecord.describing(fileAt:…)` to hash a file).
  public func recordArtifacts(_ artifacts: [ArtifactRecord]) throws {
    guard !artifacts.isEmpty else { return }
    try write { db in
      let statement = try db.makeStatement(
        sql: """
          INSERT INTO artifact (run_id, path, sha256, byte_size, stage, item, cache_key, recorded_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """)
      for a in artifacts {
        try statement.execute(arguments: [
          a.runID, a.path, a.sha256, a.byteSize, a.stage, a.item, a.cacheKey, a.recordedAt,
        ])
      }
    }
  }

  /// Records one artifact.
  public func recordArtifact(_ artifact: ArtifactRecord) throws { try recordArtifacts([artifact]) }

  // MARK: - Reading runs

  /// Runs, newest first.
  public func runs(limit: Int = 50) throws -> [RunRecord] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id DESC LIMIT ?", arguments: [limit]).map(Self.runRecord)
    }
  }

  /// One run, or throws `notFound`.
  public func run(id: Int64) throws -> RunRecord {
    let record = try read { db in
      try Row.fetchOne(db, sql: "SELECT * FROM run WHERE id = ?", arguments: [id]).map(Self.runRecord)
    }
    guard let record else { throw CatalogError.notFound(kind: "run", name: String(id)) }
    return record
  }

  /// The stage results of a run in the order recorded.
  public func stageResults(runID: Int64) throws -> [StageResult] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM stage_result WHERE run_id = ? ORDER BY id", arguments: [runID])
        .map(Self.stageResult)
    }
  }

  /// The metrics of a run in the order recorded.
  public func metrics(runID: Int64) throws -> [MetricRecord] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM metric WHERE run_id = ? ORDER BY id", arguments: [runID]).map { row in
        var m = MetricRecord(
          runID: row["run_id"], name: row["name"], value: row["value"], stage: row["stage"], item: row["item"],
          step: row["step"], recordedAt: row["recorded_at"])
        m.id = row["id"]
        return m
      }
    }
  }

  /// The artifacts of a run in the order recorded.
  public func artifacts(runID: Int64) throws -> [ArtifactRecord] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM artifact WHERE run_id = ? ORDER BY id", arguments: [runID]).map(
        Self.artifactRecord)
    }
  }

  /// Artifacts produced under a cache key (newest first), for reusing cached outputs.
  public func artifacts(cacheKey: String) throws -> [ArtifactRecord] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM artifact WHERE cache_key = ? ORDER BY id DESC", arguments: [cacheKey])
        .map(Self.artifactRecord)
    }
  }

  // MARK: - Row decoding

  static func runRecord(_ row: Row) -> RunRecord {
    RunRecord(
      id: row["id"], recipeName: row["recipe_name"], recipeText: row["recipe_text"], recipeHash: row["recipe_hash"],
      parametersJSON: row["parameters"], morphVersion: row["morph_version"], host: row["host"],
      startedAt: row["started_at"], endedAt: row["ended_at"],
      status: RunStatus(rawValue: row["status"]) ?? .failed, itemCount: row["item_count"], error: row["error"],
      shard: (row["shard_index"] as Int?).flatMap { index in (row["shard_count"] as Int?).map { RunShard(index: index, count: $0) } },
      uid: row["uid"] ?? "")
  }

  static func stageResult(_ row: Row) -> StageResult {
    var r = StageResult(
      runID: row["run_id"], stage: row["stage"], item: row["item"], cacheKey: row["cache_key"],
      status: StageStatus(rawValue: row["status"]) ?? .failed, error: row["error"],
      durationSeconds: row["duration_seconds"], outputJSON: row["output"], recordedAt: row["recorded_at"])
    r.id = row["id"]
    return r
  }

  static func artifactRecord(_ row: Row) -> ArtifactRecord {
    var a = ArtifactRecord(
      runID: row["run_id"], path: row["path"], sha256: row["sha256"], byteSize: row["byte_size"],
      stage: row["stage"], item: row["item"], cacheKey: row["cache_key"], recordedAt: row["recorded_at"])
    a.id = row["id"]
    return a
  }
}
