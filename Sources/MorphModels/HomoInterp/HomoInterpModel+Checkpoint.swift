import Foundation
import MorphNN
import MorphTensor

/// A checkpoint is `<base>.safetensors` (weights, and for training checkpoints the optimiser
/// state under `optimizer.*`) plus `<base>.json` (config, step, groups and free-form metadata).
public struct HomoInterpCheckpointInfo: Codable, Sendable {
  public var format: String
  public var config: HomoInterpConfig
  public var step: Int
  public var groups: [String]
  public var metadata: [String: String]
}

extension HomoInterpModel {
  /// The `.safetensors` and `.json` paths of a checkpoint named by `url` (with or without
  /// the `.safetensors` extension).
  public static func checkpointPaths(_ url: URL) -> (weights: URL, metadata: URL) {
    let base = url.pathExtension == "safetensors" || url.pathExtension == "json" ? url.deletingPathExtension() : url
    return (base.appendingPathExtension("safetensors"), base.appendingPathExtension("json"))
  }

  /// Loads `<path>.safetensors` + its JSON metadata (config, step, groups); typed errors.
  public static func load(from url: URL) throws -> HomoInterpModel {
    try loadCheckpoint(from: url).model
  }

  /// Loads a checkpoint with its metadata and every stored tensor (optimiser state included).
  public static func loadCheckpoint(from url: URL) throws -> (model: HomoInterpModel, info: HomoInterpCheckpointInfo, tensors: [String: Tensor]) {
    let (weights, meta) = checkpointPaths(url)
    let info = try readInfo(meta)
    do { try info.config.validate() } catch {
      throw HomoInterpError.badCheckpoint(file: meta.path, message: "config: \(error)")
    }
    let contents: Safetensors.Contents
    do { contents = try Safetensors.read(weights) } catch {
      throw HomoInterpError.badCheckpoint(file: weights.path, message: "\(error)")
    }
    let own = contents.tensors.filter { !$0.key.hasPrefix("optimizer.") && !$0.key.hasPrefix("trainer.") }
    let model: HomoInterpModel
    do { model = try assembled(config: info.config, state: own, training: false) } catch {
      throw HomoInterpError.badCheckpoint(file: weights.path, message: "\(error)")
    }
    return (model, info, contents.tensors)
  }

  /// A model of `config` holding exactly `state` (every parameter and buffer and nothing
  /// else), in training mode if `training`, else in inference mode: how every copy,
  /// conversion, average and graft of a model is built. Throws, naming the tensor, when
  /// `state` does not fit the configuration.
  public static func assembled(config: HomoInterpConfig, state: [String: Tensor], training: Bool) throws -> HomoInterpModel {
    let model = HomoInterpModel(config: config, seed: 0, initialise: false)
    try model.load(stateDict: state, strict: true)
    model.train(training)
    return model
  }

  /// An independent model with the same weights (shared until either is changed: tensors
  /// copy on write) and mode: for several users of one loaded checkpoint.
  public func copy() throws -> HomoInterpModel {
    try Self.assembled(config: config, state: stateDict(), training: isTraining)
  }

  /// Reads and decodes a checkpoint's JSON metadata.
  public static func readInfo(_ url: URL) throws -> HomoInterpCheckpointInfo {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw HomoInterpError.badCheckpoint(file: url.path, message: "cannot read checkpoint metadata: \(error.localizedDescription)")
    }
    do { return try JSONDecoder().decode(HomoInterpCheckpointInfo.self, from: data) } catch let DecodingError.keyNotFound(key, _) {
      throw HomoInterpError.badCheckpoint(file: url.path, message: "metadata lacks field '\(key.stringValue)'")
    } catch let DecodingError.typeMismatch(_, context) {
      throw HomoInterpError.badCheckpoint(
        file: url.path, message: "metadata field '\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type")
    } catch let DecodingError.dataCorrupted(context) where !context.codingPath.isEmpty {
      throw HomoInterpError.badCheckpoint(file: url.path, message: "metadata: \(context.debugDescription)")
    } catch {
      throw HomoInterpError.badCheckpoint(file: url.path, message: "metadata is not valid JSON: \(error)")
    }
  }

  /// Atomic write (temp file + rename) of weights + metadata.
  public func save(to url: URL, metadata: [String: String]) throws {
    try save(to: url, step: Int(metadata["step"] ?? "") ?? 0, metadata: metadata, extra: [:])
  }

  /// Writes weights plus `extra` tensors (optimiser state) and the JSON metadata, each atomically.
  /// The JSON is written last, so a checkpoint whose JSON exists always has its weights.
  /// `dtype: .f16` halves the file (for shipped inference checkpoints; training keeps F32).
  public func save(
    to url: URL, step: Int, metadata: [String: String], extra: [String: Tensor], dtype: Safetensors.DType = .f32
  ) throws {
    let (weights, meta) = Self.checkpointPaths(url)
    try FileManager.default.createDirectory(at: weights.deletingLastPathComponent(), withIntermediateDirectories: true)
    var tensors = stateDict()
    for (k, v) in extra { tensors[k] = v }
    let info = HomoInterpCheckpointInfo(
      format: "morph-homointerp-1", config: config, step: step, groups: config.groups.map(\.name), metadata: metadata)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    let json = try encoder.encode(info)
    try Safetensors.write(
      tensors, to: weights, dtype: dtype, metadata: ["format": info.format, "step": String(step), "config": String(decoding: try JSONEncoder().encode(config), as: UTF8.self)])
    try json.write(to: meta, options: .atomic)
  }
}
