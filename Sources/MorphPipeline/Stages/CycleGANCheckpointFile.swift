import Crypto
import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphTensor

/// A CycleGAN translator loaded once per stage instance; model calls are serialised by a lock
/// (workers share one model and its layers' mode flags).
final class CycleGANCheckpointFile: @unchecked Sendable {
  let model: CycleGANModel
  let url: URL
  let weightsHash: String
  private let lock = NSLock()

  init(_ url: URL, written: String, stage: String) throws {
    let paths = CycleGANModel.checkpointPaths(url)
    for file in [paths.weights, paths.metadata] where !FileManager.default.fileExists(atPath: file.path) {
      throw PipelineError.file(
        path: file.path, message: "checkpoint file not found (checkpoint: \(written)); train one with `morph train cyclegan`")
    }
    do { model = try CycleGANModel.load(from: paths.weights) } catch {
      throw PipelineError.stage(stage: stage, message: "cannot load checkpoint: \(error)")
    }
    self.url = paths.weights
    weightsHash = try SHA256.hex(fileAt: paths.weights)
  }

  func withModel<R>(_ body: (CycleGANModel) throws -> R) rethrows -> R {
    lock.lock()
    defer { lock.unlock() }
    return try body(model)
  }

  /// Comma-separated list parameter → trimmed non-empty entries.
  static func list(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// Resolves a path against the stage's base directory.
  static func resolve(_ path: String, in context: StageContext) -> URL {
    path.hasPrefix("/") ? URL(fileURLWithPath: path) : context.baseDirectory.appendingPathComponent(path)
  }

  /// Hashes of the checkpoints a stage's `key` parameter names (comma-separated), for cache keys.
  static func hashes(_ parameters: [String: ParameterValue], key: String, base: URL? = nil) throws -> String {
    let paths = list(parameters[key]?.stringValue ?? "")
    return try paths.map { path -> String in
      let url = CycleGANModel.checkpointPaths(URL(fileURLWithPath: path)).weights
      return FileManager.default.fileExists(atPath: url.path) ? try SHA256.hex(fileAt: url) : "missing:" + path
    }.joined(separator: ",")
  }
}

/// How a stage brings a photo onto a translator's square input and back.
enum CycleGANAlignment: String, CaseIterable {
  /// CelebA aligned photos (178×218): translate the CelebA crop and paste it back into the
  /// photo, which keeps its size.
  case celebaCrop = "celeba-crop"
  /// Any photo: resize the whole image to the model's square and back to its size.
  case resize

  static func parse(_ context: StageContext) throws -> CycleGANAlignment {
    let text = context.string("alignment")
    guard let a = CycleGANAlignment(rawValue: text) else {
      throw PipelineError.stage(
        stage: context.stageID, message: "alignment `\(text)` is not \(allCases.map(\.rawValue).joined(separator: " or "))")
    }
    return a
  }

  /// The image after each translator in turn: `steps.count + 1` images, the input first, each
  /// the size of the input.
  func states(_ image: VipsImage, steps: [CycleGANChain.Step]) throws -> [VipsImage] {
    let chain = try CycleGANChain(steps: steps)
    let rgb = try image.srgb8()
    let size = chain.imageSize
    switch self {
    case .celebaCrop:
      let frame = EvalImage(width: rgb.width, height: rgb.height, bytes: try rgb.pixels())
      let states = try chain.apply(try CycleGANFrame.input(frame, size: size))
      return try [rgb] + states.dropFirst().map { t in
        let out = try CycleGANFrame.paste(t, into: frame)
        return try VipsImage(pixels: out.bytes, width: out.width, height: out.height)
      }
    case .resize:
      let square = try ImageBatchBuffer(images: [try rgb.resized(width: size, height: size)], normalisation: .symmetric)
      let states = try chain.apply(Tensor(shape: square.shape, scalars: square.data))
      return try [rgb] + states.dropFirst().map { t in
        let buffer = try ImageBatchBuffer(shape: t.shape, data: t.scalars)
        return try buffer.image(at: 0, normalisation: .symmetric).resized(width: rgb.width, height: rgb.height)
      }
    }
  }
}
