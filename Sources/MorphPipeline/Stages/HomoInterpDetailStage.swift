import Foundation
import MorphImaging
import MorphModels

/// `homointerp.detail`: decoded edits → the same edits on each face's own photo at `size`
/// (detail transfer, `DetailTransfer`): the photo plus what the model changed, so what the
/// edit does not reach keeps the photo's resolution instead of the model's. By default
/// (`compose: masked`) that is the model's edited face where the edit reaches and the photo
/// elsewhere (`ChangeMask`); `compose: change` adds the model's change (edit − reconstruction)
/// to the photo everywhere, sharper but with ghosts where the edit moves an edge.
///
/// Reads each item's photo again from its file (the item's origin, so the items must come
/// from a `load` stage) and aligns it twice like the recipe's `align` stage: at the model's
/// size, to decode its reconstruction, and at `size`, as the base. A strip of K frames gives a
/// strip of K frames at `size`.
enum HomoInterpDetailStage {
  static let descriptor = StageDescriptor(
    name: "homointerp.detail",
    summary: "Apply decoded edits to each face's photo at a higher resolution (masked, or photo + edit − reconstruction).",
    shape: .map, input: .images, output: .images,
    parameters: [
      HomoInterpCheckpoint.parameter,
      ParameterSpec(
        "size", .int, default: .int(256), "Side of the output frames in pixels (the photo aligned at this size).",
        check: { v in (8...4096).contains(v.intValue ?? -1) ? nil : "must be within 8…4096, got \(v)" }),
      .alignmentMode(
        "mode", default: .celebaCrop, "Alignment of the photos, as in the recipe's align stage: celeba-crop, centre-crop or landmarks."),
      ParameterSpec(
        "compose", .string, default: .string("masked"),
        "masked (the edited face where the edit reaches, the photo elsewhere) or change (photo + edit − reconstruction).",
        check: { v in ["masked", "change"].contains(v.stringValue ?? "") ? nil : "must be masked or change, got \(v)" }),
    ],
    concurrency: 1, batch: 4, modelHash: HomoInterpCheckpoint.modelHash
  ) { context in
    let checkpoint = try HomoInterpCheckpoint.load(context)
    let size = context.int("size"), modelSize = checkpoint.imageSize
    let mode = AlignmentMode(rawValue: context.string("mode")) ?? .celebaCrop
    let composition: DetailTransfer.Composition = context.string("compose") == "masked" ? .masked(ChangeMask()) : .change
    let loader = ImageLoader()
    return .map { items in
      // Per item: its photo at both sizes; items whose photo cannot be used fail alone.
      let photos = items.map { item in
        Result { () -> (small: VipsImage, big: VipsImage) in
          guard let file = item.origin else {
            throw PipelineError.item(
              stage: context.stageID, item: item.id, message: "has no source file (feed this stage from a `load` stage)")
          }
          do {
            let photo = try loader.load(file)
            return (
              try Align.aligned(photo, mode: mode, size: modelSize, file: file),
              try Align.aligned(photo, mode: mode, size: size, file: file)
            )
          } catch let error as PipelineError {
            throw error
          } catch {
            throw PipelineError.item(stage: context.stageID, item: item.id, message: "cannot use \(file.path): \(error)")
          }
        }
      }
      let good = photos.compactMap { try? $0.get().small }
      var reconstructions: [VipsImage] = []
      if !good.isEmpty {
        let decoded = try checkpoint.withModel { try $0.decode($0.encode(HomoInterpFrames.imageTensor(good))) }
        reconstructions = try (0..<good.count).map { try HomoInterpFrames.strip(decoded, first: $0, count: 1) }
      }
      var next = 0
      return zip(items, photos).map { item, photo in
        photo.flatMap { photo in
          defer { next += 1 }
          let reconstruction = reconstructions[next]
          return Result {
            let frames = try HomoInterpFrames.frames(of: try item.image(in: context.stageID), item: item.id, stage: context.stageID)
            let edited = try DetailTransfer.apply(photo: photo.big, reconstruction: reconstruction, edits: frames, composition: composition)
            return .image(try HomoInterpFrames.strip(edited))
          }
        }
      }
    }
  }
}
