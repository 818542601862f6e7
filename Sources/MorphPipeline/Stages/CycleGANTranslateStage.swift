import Foundation
import MorphImaging
import MorphModels

/// `cyclegan.translate`: each image through one CycleGAN generator.
enum CycleGANTranslateStage {
  static let descriptor = StageDescriptor(
    name: "cyclegan.translate", summary: "Translate each image with a CycleGAN generator (A→B or B→A).",
    shape: .map, input: .images, output: .images,
    parameters: [
      ParameterSpec("checkpoint", .path, "Translator from `morph train cyclegan`: <name>.safetensors with <name>.json."),
      ParameterSpec("direction", .string, default: .string("a2b"), "a2b (into the split's domain B, e.g. smiling) or b2a."),
      ParameterSpec("alignment", .string, default: .string("celeba-crop"), "celeba-crop (aligned 178×218 photos) or resize."),
    ],
    concurrency: 1, batch: 4,
    modelHash: { try CycleGANCheckpointFile.hashes($0, key: "checkpoint") }
  ) { context in
    guard let direction = CycleGANDirection(rawValue: context.string("direction")) else {
      throw PipelineError.stage(stage: context.stageID, message: "direction `\(context.string("direction"))` is not a2b or b2a")
    }
    let alignment = try CycleGANAlignment.parse(context)
    let file = try CycleGANCheckpointFile(context.url("checkpoint"), written: context.string("checkpoint"), stage: context.stageID)
    return .map { items in
      eachItem(items) { item in
        let image = try item.image(in: context.stageID)
        let states = try file.withModel { try alignment.states(image, steps: [.init(model: $0, direction: direction)]) }
        return .image(try states[states.count - 1].materialised())
      }
    }
  }
}
