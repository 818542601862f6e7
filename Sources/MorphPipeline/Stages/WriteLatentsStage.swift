import Foundation
import MorphCatalog

/// `write-latents`: stores each item's latent in the catalog under a model name.
enum WriteLatentsStage {
  static let descriptor = StageDescriptor(
    name: "write-latents", summary: "Store each latent in the catalog for its image under a model name.",
    shape: .map, input: .latents, output: .records,
    parameters: [
      ParameterSpec("model", .string, "Model name the latents belong to."),
      ParameterSpec("kind", .string, default: .string("external"), "Model kind, when the model is not registered yet."),
      ParameterSpec("dtype", .string, default: .string("float16"), "float16 or float32 storage."),
    ],
    retryable: true, concurrency: 1, batch: 32,
    cachedResultIsValid: { payload in
      guard case .record(let fields) = payload, let path = fields["catalog"] else { return false }
      return FileManager.default.fileExists(atPath: path)
    }
  ) { context in
    guard let catalog = context.catalog else {
      throw PipelineError.stage(stage: context.stageID, message: "write-latents needs a catalog")
    }
    guard let dtype = LatentDType(rawValue: context.string("dtype")) else {
      throw PipelineError.stage(stage: context.stageID, message: "dtype must be float16 or float32")
    }
    let model = context.string("model")
    if try !catalog.models().contains(where: { $0.name == model }) {
      try catalog.registerModel(ModelInfo(name: model, kind: context.string("kind")))
    }
    return .map { items in
      // One transaction for the whole micro-batch; items that cannot be matched fail alone.
      var inputs: [LatentInput] = []
      var results: [Result<Payload, Error>] = []
      for item in items {
        do {
          guard case .tensor(let shape, let data) = item.payload else {
            throw PipelineError.item(stage: context.stageID, item: item.id, message: "expected a latent tensor")
          }
          guard let origin = item.origin else {
            throw PipelineError.item(stage: context.stageID, item: item.id, message: "the item did not come from an image file")
          }
          let image = try catalog.resolveImage(origin.path)
          inputs.append(LatentInput(imageID: image.id, values: data, shape: shape))
          results.append(
            .success(.record(["image": String(image.id), "model": model, "catalog": catalog.url?.path ?? ""])))
        } catch {
          results.append(.failure(error))
        }
      }
      try catalog.storeLatents(inputs, model: model, dtype: dtype)
      return results
    }
  }
}
