import ArgumentParser
import Crypto
import Foundation
import MorphCatalog
import MorphModels
import MorphNN
import MorphTensor

/// `morph import homointerpgan DIR`: the reference HomoInterpGAN's checkpoint folder as one
/// Morph checkpoint.
struct ImportHomoInterpGANCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "homointerpgan",
    abstract: "Import the reference HomoInterpGAN (encoder-/interp_net-/decoder-<label>.pth …) as a 128 px Morph checkpoint.",
    discussion: """
      DIR is the folder the reference's training script saves to (the released model's folder): \
      encoder-<label>.pth, interp_net-<label>.pth and decoder-<label>.pth are required; \
      discrim-<label>.pth and KGTransform-<label>.pth, when present, become the critic (its \
      attribute heads score edits) and the knowledge-guidance projection. The files are read \
      by Morph's restricted unpickler: nothing in them is executed.

      The checkpoint keeps the reference's layout as configuration (ImageNet-normalised pixels, \
      decoder without tanh, the residual branch, the critic's widths), so every recipe runs it \
      as it is; its groups are expression, gender, hair_color, hair_style and age. The JSON \
      beside it records each source file's name and SHA-256.
      """)

  @Argument(help: "Folder holding encoder-<label>.pth, interp_net-<label>.pth, decoder-<label>.pth (discrim-, KGTransform- optional).")
  var dir: String
  @Option(help: "Label of the files (encoder-<label>.pth …).") var label: String = "latest"
  @Option(help: "Output checkpoint (.safetensors; the .json is written beside it). Default: homointerpgan-<label>.safetensors.")
  var out: String?
  @Option(help: "Stored precision: f32 or f16.") var dtype: String = "f32"
  @Option(
    help: ArgumentHelp(
      "The groups the model was trained with, in the reference's --attr syntax (A@B,C); default: the released model's.",
      valueName: "attr"))
  var attr: String?

  func run() throws {
    guard let storage = Safetensors.DType(rawValue: dtype.uppercased()), storage == .f32 || storage == .f16 else {
      throw ValidationError("--dtype must be f32 or f16, not '\(dtype)'")
    }
    let started = Date()
    let folder = URL(fileURLWithPath: dir)
    var files: [HomoInterpReferenceImport.Part: [String: Tensor]] = [:]
    var metadata: [String: String] = [
      "source": "HomoInterpGAN reference checkpoint (EnVision-Research/HomoInterpGAN), imported by morph import homointerpgan",
      "imported_from": folder.path,
      "group_titles": "Expression, Gender trait, Hair colour, Hair style, Age (the reference README's branch names)",
      "input_normalization": "imagenet: the encoder reads (pixel/255 - mean)/std; Morph's symmetric images are converted by the model",
      "output_range": "ImageNet-normalised (no tanh); decode maps it back to [-1, 1] and clamps, as the reference's untransformTensor",
      "resumable": "no (imported weights, no optimiser state)",
    ]
    // Every required file is checked before any is read: reading a full-width model takes seconds.
    let present = HomoInterpReferenceImport.Part.allCases.compactMap { part -> (HomoInterpReferenceImport.Part, URL)? in
      let url = folder.appendingPathComponent(part.fileName(label: label))
      return FileManager.default.fileExists(atPath: url.path) ? (part, url) : nil
    }
    for part in HomoInterpReferenceImport.Part.allCases where part.isRequired && !present.contains(where: { $0.0 == part }) {
      throw ValidationError(missingMessage(folder.appendingPathComponent(part.fileName(label: label)), folder))
    }
    // Seconds per phase, printed at the end: where an import of a large model spends its time.
    var phases: [(String, Double)] = []
    func timed<T>(_ name: String, _ body: () throws -> T) rethrows -> T {
      let start = Date()
      defer {
        if let i = phases.firstIndex(where: { $0.0 == name }) { phases[i].1 += Date().timeIntervalSince(start) }
        else { phases.append((name, Date().timeIntervalSince(start))) }
      }
      return try body()
    }
    // The checksums (the slowest part: ~200 MB/s) run on the second core while the files are
    // read and mapped; the metadata waits for them only before the checkpoint is written.
    let hashes = BackgroundHashes(present.map(\.1))
    for (part, url) in present {
      files[part] = try timed("read") { try TorchCheckpoint.read(url) }
      metadata["file.\(part.rawValue)"] = url.lastPathComponent
    }
    let groups = try attr.map { try HomoInterpReferenceImport.groups(fromAttr: $0) } ?? HomoInterpReferenceImport.releasedGroups
    let result = try timed("map") { try HomoInterpReferenceImport.importModel(files, groups: groups) }
    let digests = try timed("sha256 wait") { try hashes.wait() }
    for (part, url) in present { metadata["sha256.\(part.rawValue)"] = digests[url] }
    if !result.notes.isEmpty { metadata["import_notes"] = result.notes.joined(separator: "; ") }
    let target = URL(fileURLWithPath: out ?? "homointerpgan-\(label).safetensors")
    try timed("write") { try result.model.save(to: target, step: 0, metadata: metadata, extra: [:], dtype: storage) }
    let (weights, json) = HomoInterpModel.checkpointPaths(target)
    for note in result.notes { print("note: \(note)") }
    let config = result.model.config
    print(
      String(
        format: "wrote %@ and %@ in %.1f s: %d px, latent %d×%d×%d, groups %@%@", weights.path, json.lastPathComponent,
        Date().timeIntervalSince(started), config.imageSize, config.latentChannels, config.latentSide, config.latentSide,
        config.groups.map(\.name).joined(separator: ", "), config.hasResidualBranch ? " + residual branch" : ""))
    print(phases.map { String(format: "%@ %.2f s", $0.0, $0.1) }.joined(separator: ", "))
  }

  /// Which file is missing and which .pth files the folder has instead.
  func missingMessage(_ url: URL, _ folder: URL) -> String {
    let present = ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".pth") }.sorted()
    return "\(url.path) does not exist: the folder needs encoder-, interp_net- and decoder-\(label).pth"
      + (present.isEmpty ? " (it has no .pth files)" : " (it has \(present.joined(separator: ", ")); pick another --label?)")
  }
}

/// SHA-256 of several files computed on a background queue.
///
/// `@unchecked Sendable`: `digests` and `failure` are written by the one background task
/// before it signals the semaphore, and read only after `wait` has taken that signal.
final class BackgroundHashes: @unchecked Sendable {
  private var digests: [URL: String] = [:]
  private var failure: (any Error)?
  private let done = DispatchSemaphore(value: 0)

  init(_ urls: [URL]) {
    DispatchQueue.global(qos: .userInitiated).async {
      do { for url in urls { self.digests[url] = try SHA256.hex(fileAt: url) } } catch { self.failure = error }
      self.done.signal()
    }
  }

  /// The digests by file, once all are computed; rethrows the first read error.
  func wait() throws -> [URL: String] {
    done.wait()
    if let failure { throw failure }
    return digests
  }
}
