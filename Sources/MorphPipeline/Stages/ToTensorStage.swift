import Foundation
import MorphImaging

/// `to-tensor`: normalised CHW Float32 values of each image (what model stages take).
enum ToTensorStage {
  static let descriptor = StageDescriptor(
    name: "to-tensor", summary: "Turn each image into normalised 3×H×W Float32 values.",
    shape: .map, input: .images, output: .tensors,
    parameters: [
      ParameterSpec("normalisation", .string, default: .string("imagenet"), "imagenet, symmetric (−1…1) or unit (0…1).")
    ],
    concurrency: 2, batch: 8
  ) { context in
    let normalisation: Normalisation
    switch context.string("normalisation") {
    case "imagenet": normalisation = .imageNet
    case "symmetric": normalisation = .symmetric
    case "unit": normalisation = .unit
    default:
      throw PipelineError.stage(
        stage: context.stageID, message: "normalisation `\(context.string("normalisation"))` is not imagenet, symmetric or unit")
    }
    return .map { items in
      eachItem(items) { item in
        let batch = try ImageBatchBuffer(images: [try item.image(in: context.stageID)], normalisation: normalisation)
        return .tensor(shape: Array(batch.shape.dropFirst()), data: batch.data)
      }
    }
  }
}
