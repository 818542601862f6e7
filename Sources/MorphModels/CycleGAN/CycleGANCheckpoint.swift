import Foundation
import MorphNN
import MorphTensor

/// The JSON half of a checkpoint `<base>.json` beside `<base>.safetensors`.
public struct CycleGANCheckpointInfo: Codable, Sendable {
  public var format: String
  public var config: CycleGANConfig
  /// Steps completed.
  public var step: Int
  /// Training options (nil for a weights-only export).
  public var options: CycleGANTrainingOptions?
  /// Losses of the last step taken.
  public var lastLosses: CycleGANLosses?
  public var metadata: [String: String]

  public static let formatName = "morph-cyclegan-1"
}

extension CycleGANModel {
  /// The `.safetensors` and `.json` paths of a checkpoint named by `url` (with or without extension).
  public static func checkpointPaths(_ url: URL) -> (weights: URL, metadata: URL) {
    let base = url.pathExtension == "safetensors" || url.pathExtension == "json" ? url.deletingPathExtension() : url
    return (base.appendingPathExtension("safetensors"), base.appendingPathExtension("json"))
  }

  /// Loads a checkpoint's model (evaluation mode).
  public static func load(from url: URL) throws -> CycleGANModel {
    try loadCheckpoint(from: url).model
  }

  /// Loads the model, its metadata and every stored tensor (optimiser and pool state included).
  public static func loadCheckpoint(from url: URL) throws -> (model: CycleGANModel, info: CycleGANCheckpointInfo, tensors: [String: Tensor]) {
    let (weights, meta) = checkpointPaths(url)
    let info = try readInfo(meta)
    let model: CycleGANModel
    do { model = try CycleGANModel(config: info.config, seed: 0) } catch {
      throw CycleGANError.badCheckpoint(file: meta.path, message: "config: \(error)")
    }
    let contents: Safetensors.Contents
    do { contents = try Safetensors.read(weights) } catch {
      throw CycleGANError.badCheckpoint(file: weights.path, message: "\(error)")
    }
    let own = contents.tensors.filter { !$0.key.hasPrefix("optimizer.") && !$0.key.hasPrefix("pool.") }
    do { try model.load(stateDict: own, strict: true) } catch {
      throw CycleGANError.badCheckpoint(file: weights.path, message: "\(error)")
    }
    model.eval()
    return (model, info, contents.tensors)
  }

  /// Reads and decodes `<base>.json`.
  public static func readInfo(_ url: URL) throws -> CycleGANCheckpointInfo {
    let data: Data
    do { data = try Data(contentsOf: url) } catch {
      throw CycleGANError.badCheckpoint(file: url.path, message: "cannot read checkpoint metadata: \(error.localizedDescription)")
    }
    let info: CycleGANCheckpointInfo
    do { info = try JSONDecoder().decode(CycleGANCheckpointInfo.self, from: data) } catch let DecodingError.keyNotFound(key, _) {
      throw CycleGANError.badCheckpoint(file: url.path, message: "metadata lacks field '\(key.stringValue)'")
    } catch {
      throw CycleGANError.badCheckpoint(file: url.path, message: "metadata is not a CycleGAN checkpoint: \(error)")
    }
    guard info.format == CycleGANCheckpointInfo.formatName else {
      throw CycleGANError.badCheckpoint(file: url.path, message: "format '\(info.format)', expected '\(CycleGANCheckpointInfo.formatName)'")
    }
    return info
  }

  /// Writes weights plus `extra` tensors, then the JSON metadata, each atomically (temp file +
  /// rename); the JSON goes last, so a checkpoint whose JSON exists always has its weights.
  public func save(
    to url: URL, step: Int, options: CycleGANTrainingOptions? = nil, lastLosses: CycleGANLosses? = nil,
    metadata: [String: String] = [:], extra: [String: Tensor] = [:]
  ) throws {
    let (weights, meta) = Self.checkpointPaths(url)
    try FileManager.default.createDirectory(at: weights.deletingLastPathComponent(), withIntermediateDirectories: true)
    var tensors = stateDict()
    for (k, v) in extra { tensors[k] = v }
    try Safetensors.write(tensors, to: weights, metadata: ["format": CycleGANCheckpointInfo.formatName])
    let info = CycleGANCheckpointInfo(
      format: CycleGANCheckpointInfo.formatName, config: config, step: step, options: options, lastLosses: lastLosses,
      metadata: metadata)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try encoder.encode(info).write(to: meta, options: .atomic)
  }
}
