import Foundation
import MorphModels

/// `homointerp.decode`: latents → faces. One latent gives one image; K frames (a sweep or a
/// path) give one film strip of K square frames side by side.
enum HomoInterpDecodeStage {
  static let descriptor = StageDescriptor(
    name: "homointerp.decode",
    summary: "Decode latents into faces (several frames per item become one strip of square frames).",
    shape: .map, input: .latents, output: .images,
    parameters: [HomoInterpCheckpoint.parameter],
    concurrency: 1, batch: 4, modelHash: HomoInterpCheckpoint.modelHash
  ) { context in
    let checkpoint = try HomoInterpCheckpoint.load(context)
    let c = checkpoint.config.latentChannels, s = checkpoint.config.latentSide
    return .map { items in
      let (latents, counts) = try HomoInterpFrames.latents(items, channels: c, side: s, stage: context.stageID)
      let images = try checkpoint.withModel { try $0.decode(latents) }
      var first = 0
      return counts.map { k in
        defer { first += k }
        return Result { .image(try HomoInterpFrames.strip(images, first: first, count: k)) }
      }
    }
  }
}
