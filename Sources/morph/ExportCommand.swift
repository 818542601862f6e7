import ArgumentParser
import Foundation
import MorphModels
import MorphNN

/// `morph export`: a HomoInterp training checkpoint as a small inference checkpoint.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "export",
    abstract: "Write a HomoInterp checkpoint without its optimiser state (optionally as F16), or the average of several.",
    discussion: """
      A training checkpoint holds the model, the Adam state of every optimiser and the trainer's \
      classifier, about three times the model's size. The export keeps the model (encoder, \
      interpolator, decoder, critic, projection) and its metadata, which is all the translation \
      stages, 'morph eval' and 'make demo' read. It cannot be resumed: keep the training \
      checkpoint for that.

      Given several checkpoints of one model (snapshots of a run), it writes the mean of their \
      weights, tensor by tensor, with the last one's step; the metadata lists the sources.
      """)

  @Argument(help: "Training checkpoint (.safetensors, with its .json beside it); several are averaged.")
  var checkpoints: [String]
  @Option(help: "Output checkpoint path (.safetensors; the .json is written beside it).") var out: String
  @Option(help: "Stored precision: f32 or f16.") var dtype: String = "f16"

  func run() throws {
    guard let storage = Safetensors.DType(rawValue: dtype.uppercased()) else {
      throw ValidationError("--dtype must be f32 or f16, not '\(dtype)'")
    }
    guard !checkpoints.isEmpty else { throw ValidationError("give at least one checkpoint") }
    let sources = checkpoints.map { URL(fileURLWithPath: $0) }
    let loaded = try sources.map { try HomoInterpModel.loadCheckpoint(from: $0) }
    let info = loaded[loaded.count - 1].info
    let model =
      loaded.count == 1
      ? loaded[0].model : try HomoInterpModel.averaging(loaded.map(\.model), names: sources.map(\.lastPathComponent))
    var metadata = info.metadata
    metadata["exported_from"] = sources.map(\.lastPathComponent).joined(separator: ", ")
    if loaded.count > 1 {
      metadata["averaged"] = "mean of the weights of \(loaded.count) checkpoints (steps \(loaded.map { String($0.info.step) }.joined(separator: ", ")))"
    }
    metadata["exported_dtype"] = storage.rawValue
    metadata["resumable"] = "no (optimiser state dropped by morph export)"
    let target = URL(fileURLWithPath: out)
    try model.save(to: target, step: info.step, metadata: metadata, extra: [:], dtype: storage)
    let (weights, json) = HomoInterpModel.checkpointPaths(target)
    let bytes = (try? FileManager.default.attributesOfItem(atPath: weights.path)[.size] as? Int) ?? 0
    print(
      String(
        format: "wrote %@ (%.1f MB, %@, step %d) and %@", weights.path, Double(bytes) / 1e6, storage.rawValue,
        info.step, json.lastPathComponent))
  }
}
