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

      '--branch GROUP=CHECKPOINT' (repeatable) replaces the interpolator branch of one attribute \
      group by that checkpoint's: snapshots of a run whose autoencoder was frozen share one \
      latent space, and an edit of one group runs only its own branch, so the best branch of \
      each group can be chosen separately (on faces neither trained nor tested on). A donor \
      with another encoder or decoder is refused.
      """)

  @Argument(help: "Training checkpoint (.safetensors, with its .json beside it); several are averaged.")
  var checkpoints: [String]
  @Option(help: "Output checkpoint path (.safetensors; the .json is written beside it).") var out: String
  @Option(help: "Stored precision: f32 or f16.") var dtype: String = "f16"
  @Option(
    name: .customLong("branch"),
    help: "GROUP=CHECKPOINT: take that group's interpolator branch from another checkpoint of the same run (repeatable).")
  var branches: [String] = []
  @Option(
    name: .customLong("drop-group"),
    help: "GROUP: leave that attribute group (its branch and critic head) out (repeatable): a base to teach it again with 'morph train branch'.")
  var dropGroups: [String] = []

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
    let donors = try parseBranches()
    let grafted =
      donors.isEmpty
      ? model
      : try HomoInterpModel.grafting(
        model, branches: try donors.mapValues { try HomoInterpModel.loadCheckpoint(from: URL(fileURLWithPath: $0)).model },
        names: donors.mapValues { URL(fileURLWithPath: $0).lastPathComponent })
    let exported = try dropGroups.reduce(grafted) { try $0.removingGroup($1) }
    var metadata = info.metadata
    if !dropGroups.isEmpty { metadata["dropped_groups"] = dropGroups.joined(separator: ", ") }
    metadata["exported_from"] = sources.map(\.lastPathComponent).joined(separator: ", ")
    if loaded.count > 1 {
      metadata["averaged"] = "mean of the weights of \(loaded.count) checkpoints (steps \(loaded.map { String($0.info.step) }.joined(separator: ", ")))"
    }
    if !donors.isEmpty {
      metadata["grafted_branches"] = HomoInterpModel.graftSummary(donors.mapValues { URL(fileURLWithPath: $0).lastPathComponent })
    }
    metadata["exported_dtype"] = storage.rawValue
    metadata["resumable"] = "no (optimiser state dropped by morph export)"
    let target = URL(fileURLWithPath: out)
    try exported.save(to: target, step: info.step, metadata: metadata, extra: [:], dtype: storage)
    let (weights, json) = HomoInterpModel.checkpointPaths(target)
    let bytes = (try? FileManager.default.attributesOfItem(atPath: weights.path)[.size] as? Int) ?? 0
    print(
      String(
        format: "wrote %@ (%.1f MB, %@, step %d) and %@", weights.path, Double(bytes) / 1e6, storage.rawValue,
        info.step, json.lastPathComponent))
  }

  /// `--branch` values as group → checkpoint path; a group named twice or a value without
  /// `=` is a usage error naming the value.
  func parseBranches() throws -> [String: String] {
    var out: [String: String] = [:]
    for value in branches {
      let parts = value.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
        throw ValidationError("--branch '\(value)': expected GROUP=CHECKPOINT, e.g. hair_color=run/c26000.safetensors")
      }
      guard out[parts[0]] == nil else { throw ValidationError("--branch names group '\(parts[0])' twice") }
      out[parts[0]] = parts[1]
    }
    return out
  }
}
