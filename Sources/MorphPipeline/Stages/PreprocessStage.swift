import Foundation
import MorphCatalog
import MorphImaging

/// `preprocess`: a folder of photos straight to normalised training tensors — load, align,
/// jitter and normalise in one fused pass per image (`ImagePreprocessor`).
enum PreprocessStage {
  static let descriptor = StageDescriptor(
    name: "preprocess",
    summary: "Load, align, jitter and normalise each photo of a folder in one fused pass (training input).",
    shape: .source, input: nil, output: .tensors,
    parameters: [
      ParameterSpec("folder", .path, "Folder of images."),
      ParameterSpec("size", .int, default: .int(128), "Output side in pixels.", range: .integers(8...4096)),
      ParameterSpec(
        "mode", .string, default: .string(AlignmentMode.celebaCrop.rawValue), "How to crop each image.",
        range: .oneOf(AlignmentMode.allCases.map(\.rawValue))),
      ParameterSpec("jitter", .bool, default: .bool(true), "Apply the seeded training jitter."),
      ParameterSpec("seed", .int, default: .int(0), "Jitter seed."),
      ParameterSpec("epoch", .int, default: .int(0), "Epoch (changes the jitter draw).", range: .atLeast(0)),
    ],
    cacheable: false, concurrency: 2
  ) { context in
    let size = context.int("size")
    guard let mode = AlignmentMode(rawValue: context.string("mode")) else {
      throw PipelineError.stage(stage: context.stageID, message: "mode `\(context.string("mode"))` is not a known alignment")
    }
    let jitter = context.bool("jitter") ? Jitter(seed: UInt64(bitPattern: Int64(context.int("seed")))) : nil
    let preprocessor = ImagePreprocessor(size: size, alignment: mode, jitter: jitter)
    let epoch = context.int("epoch")
    let folder = context.url("folder")
    guard FileManager.default.fileExists(atPath: folder.path) else {
      throw PipelineError.stage(stage: context.stageID, message: "input folder \(context.string("folder")) does not exist")
    }
    // The parameters shape the tensor, so they belong to each item's content key.
    let settings = "size=\(size) mode=\(mode.rawValue) jitter=\(jitter != nil) seed=\(context.int("seed")) epoch=\(epoch)"
    return .source {
      let names = try LoadStage.imageFiles(in: folder, recursive: true, stage: context.stageID)
      return try names.enumerated().map { n, name in
        let url = folder.appendingPathComponent(name)
        let hash = try SHA256.hex(fileAt: url)
        return SourceItem(id: name, contentKey: "file:\(hash) \(settings)", origin: url) {
          var values = [Float](repeating: 0, count: 3 * size * size)
          try values.withUnsafeMutableBufferPointer {
            try preprocessor.process(url, item: n, epoch: epoch, into: $0)
          }
          return .tensor(shape: [3, size, size], data: values)
        }
      }
    }
  }
}
