import Crypto
import Foundation

/// The state of a recorded run.
public enum RunStatus: String, Codable, Sendable, CaseIterable {
  case running, succeeded, failed, cancelled
  /// Its process died without finishing it (e.g. `kill -9`); set by the next run on the catalog.
  case interrupted
}

/// The outcome of one stage on one item.
public enum StageStatus: String, Codable, Sendable, CaseIterable {
  /// The stage ran and produced its output.
  case ok
  /// The stage threw; `error` holds the message.
  case failed
  /// The output was reused from an earlier result with the same cache key.
  case cached
  /// The stage did not run for this item (e.g. an upstream failure).
  case skipped
}

/// What the scheduler knows when a run begins.
public struct RunStart: Sendable {
  /// Recipe name (usually the YAML file name without extension).
  public var recipeName: String
  /// The full recipe text as run (after `--set` expansion if the caller prefers).
  public var recipeText: String
  /// The effective parameters as a JSON object.
  public var parametersJSON: String
  public var morphVersion: String
  public var host: String
  public var startedAt: Date
  /// The recording process, so a later run can tell whether it died (see `RunOwner`).
  public var owner: RunOwner?
  /// The shard this run is (`morph run --shard K/N`): its 0-based index and the number of shards.
  public var shard: RunShard?

  public init(
    recipeName: String, recipeText: String, parametersJSON: String = "{}", morphVersion: String,
    host: String = ProcessInfo.processInfo.hostName, startedAt: Date = Date(), owner: RunOwner? = .current,
    shard: RunShard? = nil
  ) {
    self.owner = owner
    self.recipeName = recipeName
    self.recipeText = recipeText
    self.parametersJSON = parametersJSON
    self.morphVersion = morphVersion
    self.host = host
    self.startedAt = startedAt
    self.shard = shard
  }
}

/// Which part of the items a run processed: shard `index` (from 0) of `count`.
public struct RunShard: Equatable, Codable, Sendable {
  public var index: Int
  public var count: Int

  public init(index: Int, count: Int) {
    self.index = index
    self.count = count
  }
}

/// One row of the `run` table.
public struct RunRecord: Equatable, Codable, Sendable {
  public var id: Int64
  public var recipeName: String
  public var recipeText: String
  /// SHA-256 hex of `recipeText`.
  public var recipeHash: String
  public var parametersJSON: String
  public var morphVersion: String
  public var host: String
  public var startedAt: Date
  public var endedAt: Date?
  public var status: RunStatus
  public var itemCount: Int
  public var error: String?
  /// Set for a run of one shard (kept when shard catalogs are merged).
  public var shard: RunShard? = nil
  /// A random id given when the run started: it names the run across catalogs, so merging a
  /// shard's catalog twice adds its runs once.
  public var uid: String = ""
}

/// One stage's result on one item, keyed by its cache key.
public struct StageResult: Equatable, Codable, Sendable {
  public var id: Int64?
  public var runID: Int64
  public var stage: String
  /// The item the stage processed (typically the input path or an item identifier).
  public var item: String
  /// Hash of the stage's name, parameters and input content: equal keys mean equal outputs.
  public var cacheKey: String
  public var status: StageStatus
  public var error: String?
  public var durationSeconds: Double
  /// Optional JSON describing the output (e.g. artifact paths), for cache reuse.
  public var outputJSON: String?
  public var recordedAt: Date

  public init(
    runID: Int64, stage: String, item: String, cacheKey: String, status: StageStatus, error: String? = nil,
    durationSeconds: Double, outputJSON: String? = nil, recordedAt: Date = Date()
  ) {
    self.runID = runID
    self.stage = stage
    self.item = item
    self.cacheKey = cacheKey
    self.status = status
    self.error = error
    self.durationSeconds = durationSeconds
    self.outputJSON = outputJSON
    self.recordedAt = recordedAt
  }
}

/// A named number a run measured (loss, PSNR, throughput …), optionally per stage, item, step.
public struct MetricRecord: Equatable, Codable, Sendable {
  public var id: Int64?
  public var runID: Int64
  public var name: String
  public var value: Double
  public var stage: String?
  public var item: String?
  public var step: Int?
  public var recordedAt: Date

  public init(
    runID: Int64, name: String, value: Double, stage: String? = nil, item: String? = nil, step: Int? = nil,
    recordedAt: Date = Date()
  ) {
    self.runID = runID
    self.name = name
    self.value = value
    self.stage = stage
    self.item = item
    self.step = step
    self.recordedAt = recordedAt
  }
}

/// A file a run wrote, with its SHA-256 so later runs can trust or verify it.
public struct ArtifactRecord: Equatable, Codable, Sendable {
  public var id: Int64?
  public var runID: Int64
  public var path: String
  public var sha256: String
  public var byteSize: Int64
  public var stage: String?
  public var item: String?
  /// The cache key of the stage result that produced the file, for cache reuse.
  public var cacheKey: String?
  public var recordedAt: Date

  public init(
    runID: Int64, path: String, sha256: String, byteSize: Int64, stage: String? = nil, item: String? = nil,
    cacheKey: String? = nil, recordedAt: Date = Date()
  ) {
    self.runID = runID
    self.path = path
    self.sha256 = sha256
    self.byteSize = byteSize
    self.stage = stage
    self.item = item
    self.cacheKey = cacheKey
    self.recordedAt = recordedAt
  }

  /// Hashes the file at `url` and describes it as an artifact of `runID`.
  public static func describing(
    fileAt url: URL, runID: Int64, stage: String? = nil, item: String? = nil, cacheKey: String? = nil
  ) throws -> ArtifactRecord {
    let size: Int64
    do {
      let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
      size = (attributes[.size] as? NSNumber)?.int64Value ?? 0
    } catch {
      throw CatalogError.unreadable(path: url.path, reason: "no such file")
    }
    return ArtifactRecord(
      runID: runID, path: url.path, sha256: try SHA256.hex(fileAt: url), byteSize: size, stage: stage, item: item,
      cacheKey: cacheKey)
  }
}
