import Foundation
import GRDB

/// The Morph catalog: one SQLite file holding datasets, images, attributes, attribute groups,
/// landmarks, models, latents, runs, per-item stage results, metrics and artifacts.
///
/// Writes go through one serialized writer; reads run concurrently (GRDB `DatabasePool` in WAL
/// mode for files, a `DatabaseQueue` for in-memory catalogs). A second `morph` process may read
/// while another writes: SQLite's WAL gives it a consistent snapshot, and writers wait for each
/// other up to `busyTimeout` seconds instead of failing.
///
/// The API by concern (each in its own `Catalog+….swift` file):
/// - Opening: `open(at:create:)`, `inMemory()`, `openReadOnly(at:)`, `readOnlySQL(at:_:)`.
/// - Runs (the scheduler): `startRun(_:)` → id, `recordStageResults(_:)`,
///   `cachedResult(forKey:)`, `recordMetrics(_:)`, `recordArtifacts(_:)` (see
///   `ArtifactRecord.describing(fileAt:runID:…)`), `finishRun(id:status:itemCount:error:)`;
///   reading: `runs(limit:)`, `run(id:)`, `stageResults(runID:)`, `metrics(runID:)`,
///   `artifacts(runID:)`, `artifacts(cacheKey:)`.
/// - Datasets: `ingestCelebA(at:…)`, `ingestFolder(at:attributesCSV:…)`, or build a
///   `DatasetAnnotations` and call `ingest(_:)`.
/// - Queries: `query(_:split:limit:)`, `count(_:split:)`, `compile(_:split:)`,
///   `resolveImage(_:)`, `imageIDs(contentHash:)`, `attributeValue(imageID:attribute:)`.
/// - Attributes: `attributes()`, `attributeNames(dataset:)`, `attributeGroups()`,
///   `setAttributeGroups(_:)`, `attributeStats(dataset:)`, `summary()`.
/// - Latents: `registerModel(_:)`, `storeLatents(_:model:dtype:)`, `latent(imageID:model:)`,
///   `nearest(to:model:k:where:split:excluding:)`, `nearest(toImage:model:k:where:split:)`.
///
/// ```swift
/// let catalog = try Catalog.open(at: CatalogLocation.resolve(nil))
/// let run = try catalog.startRun(
///   RunStart(recipeName: "demo", recipeText: yaml, parametersJSON: "{}", morphVersion: "0.1.0"))
/// try catalog.recordStageResults([
///   StageResult(runID: run, stage: "load", item: "a.jpg", cacheKey: key, status: .ok, durationSeconds: 0.02)
/// ])
/// try catalog.finishRun(id: run, status: .succeeded, itemCount: 1)
/// ```
public final class Catalog: @unchecked Sendable {
  /// The database connection(s). Exposed so neighbour modules can run their own GRDB requests.
  public let writer: any DatabaseWriter
  /// The catalog file, or nil for an in-memory catalog.
  public let url: URL?

  /// Seconds a writer waits for another process's write transaction before giving up.
  public static let busyTimeout: TimeInterval = 30

  private init(writer: any DatabaseWriter, url: URL?) {
    self.writer = writer
    self.url = url
  }

  /// Opens the catalog at `url`, creating the file (and its folder) when `create` is true,
  /// and brings its schema up to date through the numbered migrations.
  public static func open(at url: URL, create: Bool = true) throws -> Catalog {
    let fm = FileManager.default
    if !fm.fileExists(atPath: url.path) {
      guard create else { throw CatalogError.noCatalog(path: url.path) }
      do {
        try fm.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
      } catch {
        throw CatalogError.unreadable(path: url.deletingLastPathComponent().path, reason: "\(error)")
      }
    }
    do {
      let pool = try DatabasePool(path: url.path, configuration: configuration(readonly: false))
      try CatalogSchema.migrator.migrate(pool)
      return Catalog(writer: pool, url: url)
    } catch let error as DatabaseError {
      throw CatalogError.database("\(url.path): \(error.message ?? error.description)")
    }
  }

  /// Opens an existing catalog for a command that only reads it (`catalog query`, `stats`,
  /// `attrs`, `nearest`, `runs list/show/diff`, `explain`, `plan`): one read-only connection,
  /// no migration, no journal-mode change, so the file's bytes stay exactly as they were.
  /// Writes through it fail. A catalog from an older Morph is first brought up to date by the
  /// normal read-write `open` — the one write such a command makes, once.
  public static func openForReading(at url: URL) throws -> Catalog {
    guard FileManager.default.fileExists(atPath: url.path) else { throw CatalogError.noCatalog(path: url.path) }
    do {
      let queue = try DatabaseQueue(path: url.path, configuration: configuration(readonly: true))
      guard try queue.read({ try CatalogSchema.migrator.hasCompletedMigrations($0) }) else {
        try queue.close()
        _ = try open(at: url, create: false)
        return Catalog(writer: try DatabaseQueue(path: url.path, configuration: configuration(readonly: true)), url: url)
      }
      return Catalog(writer: queue, url: url)
    } catch let error as DatabaseError {
      throw CatalogError.database("\(url.path): \(error.message ?? error.description)")
    }
  }

  /// Opens a private in-memory catalog (tests, scratch work).
  public static func inMemory() throws -> Catalog {
    do {
      let queue = try DatabaseQueue(configuration: configuration(readonly: false))
      try CatalogSchema.migrator.migrate(queue)
      return Catalog(writer: queue, url: nil)
    } catch let error as DatabaseError {
      throw CatalogError.database(error.message ?? error.description)
    }
  }

  /// Opens an existing catalog through a read-only connection: any statement that would
  /// modify it fails. Used by `morph catalog sql`.
  public static func openReadOnly(at url: URL) throws -> any DatabaseReader {
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw CatalogError.noCatalog(path: url.path)
    }
    do {
      return try DatabaseQueue(path: url.path, configuration: configuration(readonly: true))
    } catch let error as DatabaseError {
      throw CatalogError.database("\(url.path): \(error.message ?? error.description)")
    }
  }

  static func configuration(readonly: Bool) -> Configuration {
    var config = Configuration()
    config.readonly = readonly
    config.foreignKeysEnabled = true
    config.busyMode = .timeout(busyTimeout)
    config.label = "MorphCatalog"
    config.prepareDatabase { db in
      // Memory-mapped reads spare a copy per page on the large scans (`catalog nearest`), so
      // the read-only commands keep them. A run's read-write connections do not: every mapped
      // page SQLite touches stays in the process's resident set, and a run that stores a
      // 64 KB latent per face would grow with the catalog (docs/scale-out.md, "Memory").
      if readonly { try db.execute(sql: "PRAGMA mmap_size = 2147483648") }
      // In WAL mode NORMAL never corrupts and survives a killed process; only a power loss
      // may drop the last commits. It spares an fsync per small transaction (stage results).
      if !readonly { try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    }
    return config
  }

  /// Runs `body` in a read transaction, mapping database errors to `CatalogError`.
  func read<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try writer.read(body) } catch let error as DatabaseError {
      throw CatalogError.database(error.message ?? error.description)
    }
  }

  /// Runs `body` in one write transaction (all or nothing), mapping database errors.
  func write<T>(_ body: (Database) throws -> T) throws -> T {
    do { return try writer.write(body) } catch let error as DatabaseError {
      throw CatalogError.database(error.message ?? error.description)
    }
  }
}
