import Crypto
import Foundation
import MorphCatalog

/// One of N disjoint parts of a run's items (`morph run --shard K/N`), for running a recipe as
/// N ordinary jobs of a cluster engine (a Slurm job array, a Kubernetes Indexed Job).
///
/// An item belongs to shard `h mod N`, where `h` is a hash of the item's identity (its id: the
/// path below the input folder, or `dataset/path` for catalog selections) and nothing else.
/// So the split needs no coordination between the jobs, is the same on every machine and in
/// every run (a killed shard rerun takes the same items), and adding files to a folder moves
/// no item that was already there: only the new files land somewhere. Items an expansion makes
/// (`photo.jpg#0`, the faces of a photo) go where their source item goes.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
  /// 0-based index of this shard, below `count`.
  public let index: Int
  /// Number of shards.
  public let count: Int

  /// A shard; throws `PipelineError.shard` unless `0 ≤ index < count`.
  public init(index: Int, count: Int) throws {
    guard count >= 1 else { throw PipelineError.shard("the number of shards must be at least 1, got \(count)") }
    guard (0..<count).contains(index) else {
      throw PipelineError.shard("shard index \(index) is not one of 0…\(count - 1) (shards of \(count) count from 0)")
    }
    self.index = index
    self.count = count
  }

  /// Parses `K/N`, e.g. `0/3` (shards count from 0).
  public init(parsing text: String) throws {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
      let n = Int(parts[1].trimmingCharacters(in: .whitespaces))
    else {
      throw PipelineError.shard("`\(text)` is not K/N (e.g. 0/3: the first of three shards)")
    }
    try self.init(index: k, count: n)
  }

  /// The shard a cluster engine gave this process through its environment:
  /// - a Slurm job array: `SLURM_ARRAY_TASK_ID` minus `SLURM_ARRAY_TASK_MIN` (so `--array=1-4`
  ///   works too) of `SLURM_ARRAY_TASK_COUNT`;
  /// - a Kubernetes Indexed Job: `JOB_COMPLETION_INDEX` of `MORPH_SHARDS` (set it to the
  ///   Job's `completions`; Kubernetes does not pass that on).
  public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Shard {
    func number(_ name: String) throws -> Int? {
      guard let text = environment[name], !text.isEmpty else { return nil }
      guard let n = Int(text.trimmingCharacters(in: .whitespaces)) else {
        throw PipelineError.shard("\(name)=\(text) is not a whole number")
      }
      return n
    }
    if let task = try number("SLURM_ARRAY_TASK_ID") {
      guard let count = try number("SLURM_ARRAY_TASK_COUNT") else {
        throw PipelineError.shard("SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (Slurm 17.11 or later sets both)")
      }
      let first = try number("SLURM_ARRAY_TASK_MIN") ?? 0
      guard let step = try number("SLURM_ARRAY_TASK_STEP"), step != 1 else {
        return try Shard(index: task - first, count: count)
      }
      throw PipelineError.shard("the job array has step \(step); submit it as --array=0-\(count - 1) (step 1)")
    }
    if let index = try number("JOB_COMPLETION_INDEX") {
      guard let count = try number("MORPH_SHARDS") else {
        throw PipelineError.shard(
          "JOB_COMPLETION_INDEX is set but MORPH_SHARDS is not: set MORPH_SHARDS to the Indexed Job's completions")
      }
      return try Shard(index: index, count: count)
    }
    throw PipelineError.shard(
      "--shard-from-env found neither SLURM_ARRAY_TASK_ID/SLURM_ARRAY_TASK_COUNT (a Slurm job array) "
        + "nor JOB_COMPLETION_INDEX/MORPH_SHARDS (a Kubernetes Indexed Job); give --shard K/N instead")
  }

  /// Whether the item with this id belongs to this shard.
  public func contains(_ itemID: String) -> Bool {
    count == 1 || Self.bucket(of: itemID, count: count) == index
  }

  /// The shard of `itemID` among `count`: the first 8 bytes of SHA-256("morph-shard-v1\n" + id)
  /// as a big-endian number, modulo `count`. (A fixed, documented function, never Swift's
  /// `hashValue`, which changes from one process to the next.)
  public static func bucket(of itemID: String, count: Int) -> Int {
    var hasher = SHA256()
    hasher.update("morph-shard-v1\n" + itemID)
    let digest = hasher.finalize()
    var h: UInt64 = 0
    for byte in digest.prefix(8) { h = h << 8 | UInt64(byte) }
    return Int(h % UInt64(count))
  }

  /// `0-of-3`: names the shard's catalog file.
  public var tag: String { "\(index)-of-\(count)" }

  /// `0/3`, as given on the command line.
  public var description: String { "\(index)/\(count)" }

  /// The shard's own catalog beside `catalog`: `catalog.sqlite` → `catalog.shard-0-of-3.sqlite`.
  /// Every shard writes only its own SQLite file (SQLite's locking is not safe over network
  /// file systems); `morph catalog merge` joins them afterwards.
  public func catalogURL(for catalog: URL) -> URL {
    let ext = catalog.pathExtension
    let stem = ext.isEmpty ? catalog.lastPathComponent : String(catalog.lastPathComponent.dropLast(ext.count + 1))
    let name = "\(stem).shard-\(tag)" + (ext.isEmpty ? "" : ".\(ext)")
    return catalog.deletingLastPathComponent().appendingPathComponent(name)
  }
}
