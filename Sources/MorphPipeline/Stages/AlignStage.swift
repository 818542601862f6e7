import Foundation
import MorphImaging

/// `align`: brings each photo onto a square crop (centre crop, CelebA crop, landmarks from a
/// sidecar, or the landmarks of the face a `detect` stage found).
enum AlignStage {
  static let descriptor = StageDescriptor(
    name: "align", summary: "Crop and resize each image to a square: centre-crop, celeba-crop, landmarks or detected.",
    shape: .map, input: .images, output: .images,
    parameters: [
      ParameterSpec("size", .int, default: .int(128), "Output side in pixels.", range: .integers(8...4096)),
      .stageAlignment(
        "mode", default: .centreCrop,
        "centre-crop (largest centred square), celeba-crop (160 px, 15 px below centre), landmarks (sidecar file) "
          + "or detected (the five points `detect` found, onto the CelebA template)."),
    ],
    concurrency: 2, batch: 1
  ) { context in
    let size = context.int("size")
    let mode = try StageAlignment(context, "mode")
    return .map { items in
      eachItem(items) { item in
        let image = try item.image(in: context.stageID)
        do {
          return .image(try mode.align(image, item: item, size: size, stage: context.stageID))
        } catch ImagingError.processing(_, let reason) where mode == .image(.landmarks) {
          throw PipelineError.item(stage: context.stageID, item: item.id, message: reason)
        }
      }
    }
  }
}
