import Crypto
import Foundation
import MorphCatalog
import MorphModels
import MorphTensor

/// A HomoInterp checkpoint loaded once per stage instance and shared by its workers.
///
/// Model calls are serialised by a lock: a model's layers keep mode flags (eval/train) that a
/// second worker must not flip mid-call, and the stages run micro-batches anyway.
final class HomoInterpCheckpoint: @unchecked Sendable {
  let model: HomoInterpModel
  let url: URL
  /// The name latents are stored under in the catalog by default: the checkpoint's file stem.
  let name: String
  let weightsHash: String
  private let lock = NSLock()

  var config: HomoInterpConfig { model.config }
  var imageSize: Int { model.config.imageSize }
  var groupNames: [String] { model.config.groups.map(\.name) }

  private init(model: HomoInterpModel, url: URL, weightsHash: String) {
    self.model = model
    self.url = url
    self.name = HomoInterpModel.checkpointPaths(url).weights.deletingPathExtension().lastPathComponent
    self.weightsHash = weightsHash
  }

  /// Runs `body` with exclusive use of the model.
  func withModel<R>(_ body: (HomoInterpModel) throws -> R) rethrows -> R {
    lock.lock()
    defer { lock.unlock() }
    return try body(model)
  }

  /// The stage parameter every model stage takes.
  static let parameter = ParameterSpec(
    "checkpoint", .path, "HomoInterp checkpoint: `<name>.safetensors` with `<name>.json` beside it.")

  /// Loads the checkpoint named by the stage's `checkpoint` parameter; a missing file is an
  /// error naming the path it looked for.
  ///
  /// Each stage gets its own model (stages run concurrently, each with exclusive use of its
  /// model), but a checkpoint is read once per process: later stages copy the loaded model,
  /// which shares its weights. A recipe like translate-folder has ten model stages.
  static func load(_ context: StageContext) throws -> HomoInterpCheckpoint {
    let url = context.url("checkpoint")
    let paths = try files(url, written: context.string("checkpoint"))
    let hash = try FileHashes.shared.hex(paths.weights)
    let model: HomoInterpModel
    do {
      model = try LoadedModels.shared.model(key: "\(hash):\(try FileHashes.shared.hex(paths.metadata))") {
        try HomoInterpModel.load(from: paths.weights)
      }
    } catch {
      throw PipelineError.stage(stage: context.stageID, message: "cannot load checkpoint: \(error)")
    }
    return HomoInterpCheckpoint(model: model, url: paths.weights, weightsHash: hash)
  }

  /// The weights and metadata files of a checkpoint, or a `file` error naming the missing one.
  static func files(_ url: URL, written: String) throws -> (weights: URL, metadata: URL) {
    let paths = HomoInterpModel.checkpointPaths(url)
    for file in [paths.weights, paths.metadata] where !FileManager.default.fileExists(atPath: file.path) {
      throw PipelineError.file(
        path: file.path, message: "checkpoint file not found (checkpoint: \(written)); train one with `morph train homointerp`")
    }
    return paths
  }

  /// The cache-key ingredient of a model stage: the hash of the checkpoint's weights and
  /// metadata. Relative paths are resolved against the working directory (where `morph run`
  /// resolves them too); a missing checkpoint is reported by the stage when it starts.
  @Sendable static func modelHash(_ parameters: [String: ParameterValue]) throws -> String {
    guard let path = parameters["checkpoint"]?.stringValue else { return "" }
    let url = path.hasPrefix("/")
      ? URL(fileURLWithPath: path)
      : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
    let paths = HomoInterpModel.checkpointPaths(url)
    guard let weights = try? FileHashes.shared.hex(paths.weights), let metadata = try? FileHashes.shared.hex(paths.metadata)
    else { return "missing:" + path }
    return "homointerp:\(weights):\(metadata)"
  }
}

/// SHA-256 of files, remembered while a file's size and modification time stay the same: the
/// scheduler asks for a model stage's cache key per item, and hashing a checkpoint each time
/// would cost more than running the model.
final class FileHashes: @unchecked Sendable {
  static let shared = FileHashes()
  private let lock = NSLock()
  private var known: [String: (size: Int, modified: Date, hash: String)] = [:]

  func hex(_ url: URL) throws -> String {
    let path = url.standardizedFileURL.path
    let attributes = try FileManager.default.attributesOfItem(atPath: path)
    let size = (attributes[.size] as? NSNumber)?.intValue ?? -1
    let modified = attributes[.modificationDate] as? Date ?? .distantPast
    if let entry = lock.withLock({ known[path] }), entry.size == size, entry.modified == modified { return entry.hash }
    let hash = try SHA256.hex(fileAt: url)
    lock.withLock { known[path] = (size, modified, hash) }
    return hash
  }
}

/// Checkpoints loaded in this process, by content hash; callers get copies sharing the weights.
/// Only the most recent few are kept: a process seldom uses more than one or two models.
final class LoadedModels: @unchecked Sendable {
  static let shared = LoadedModels()
  private let lock = NSLock()
  private var models: [(key: String, model: HomoInterpModel)] = []
  private let capacity = 2

  func model(key: String, load: () throws -> HomoInterpModel) throws -> HomoInterpModel {
    lock.lock()
    defer { lock.unlock() }
    if let index = models.firstIndex(where: { $0.key == key }) {
      let entry = models.remove(at: index)
      models.append(entry)
      return try entry.model.copy()
    }
    let loaded = try load()
    models.append((key, loaded))
    if models.count > capacity { models.removeFirst() }
    return try loaded.copy()
  }
}
