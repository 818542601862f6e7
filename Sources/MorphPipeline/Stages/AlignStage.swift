import Foundation
import MorphImaging

/// `align`: brings each photo onto a square crop (centre crop, CelebA crop, or landmarks).
enum AlignStage {
  static let descriptor = StageDescriptor(
    name: "align", summary: "Crop and resize each image to a square: centre-crop, celeba-crop or landmarks.",
    shape: .map, input: .images, output: .images,
    parameters: [
      ParameterSpec("size", .int, default: .int(128), "Output side in pixels."),
      ParameterSpec(
        "mode", .string, default: .string(AlignmentMode.centreCrop.rawValue),
        "centre-crop (largest centred square), celeba-crop (160 px, 15 px below centre) or landmarks (sidecar file)."),
    ],
    concurrency: 2, batch: 1
  ) { context in
    let size = context.int("size")
    guard size >= 8, size <= 4096 else {
      throw PipelineError.stage(stage: context.stageID, message: "size must be 8…4096, got \(size)")
    }
    guard let mode = AlignmentMode(rawValue: context.string("mode")) else {
      throw PipelineError.stage(
        stage: context.stageID,
        message: "mode `\(context.string("mode"))` is not one of \(AlignmentMode.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    return .map { items in
      eachItem(items) { item in
        let image = try item.image(in: context.stageID)
        do {
          return .image(try Align.aligned(image, mode: mode, size: size, file: item.origin))
        } catch ImagingError.processing(_, let reason) where mode == .landmarks {
          throw PipelineError.item(stage: context.stageID, item: item.id, message: reason)
        }
      }
    }
  }
}
