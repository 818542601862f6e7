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
    ] + maskParameters,
    concurrency: 1, batch: 4, modelHash: HomoInterpCheckpoint.modelHash
  ) { context in
    let checkpoint = try HomoInterpCheckpoint.load(context)
    let size = context.int("size"), modelSize = checkpoint.imageSize
    let mode = AlignmentMode(rawValue: context.string("mode")) ?? .celebaCrop
    let composition: DetailTransfer.Composition = context.string("compose") == "masked" ? .masked(try changeMask(context)) : .change
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

  /// The `ChangeMask` fields as parameters (`mask_low` …), defaults from `ChangeMask()`.
  static let maskParameters: [ParameterSpec] = {
    let defaults = ChangeMask()
    // Through the shortest decimal of the Float (0.01, not 0.009999999776…), as `morph stages` prints it.
    let decimal = { (value: Float) in Double("\(value)") ?? Double(value) }
    let fraction: @Sendable (ParameterValue) -> String? = { v in
      (0...1).contains(v.doubleValue ?? -1) ? nil : "must be within 0…1, got \(v)"
    }
    let radius: @Sendable (ParameterValue) -> String? = { v in
      (0...0.5).contains(v.doubleValue ?? -1) ? nil : "must be a fraction of the width within 0…0.5, got \(v)"
    }
    return [
      ParameterSpec(
        "mask_low", .double, default: .double(decimal(defaults.low)),
        "masked: change (largest channel difference, 0…1) below which a pixel keeps the photo.", check: fraction),
      ParameterSpec(
        "mask_high", .double, default: .double(decimal(defaults.high)),
        "masked: change from which a pixel is wholly the edited face (above mask_low).", check: fraction),
      ParameterSpec(
        "mask_smoothing", .double, default: .double(defaults.smoothing),
        "masked: blur radius before thresholding, as a fraction of the width (ignores isolated decoder noise).", check: radius),
      ParameterSpec(
        "mask_grow", .double, default: .double(defaults.grow),
        "masked: how far the mask grows past a change, as a fraction of the width (covers thin edits with a margin).",
        check: radius),
      ParameterSpec(
        "mask_feather", .double, default: .double(defaults.feather),
        "masked: blur radius of the mask's edge, as a fraction of the width.", check: radius),
    ]
  }()

  /// The change mask the parameters describe; a stage error when mask_low ≥ mask_high.
  static func changeMask(_ context: StageContext) throws -> ChangeMask {
    let mask = ChangeMask(
      low: Float(context.double("mask_low")), high: Float(context.double("mask_high")),
      smoothing: context.double("mask_smoothing"), grow: context.double("mask_grow"), feather: context.double("mask_feather"))
    do { try mask.validate() } catch { throw PipelineError.stage(stage: context.stageID, message: "mask_low/mask_high: \(error)") }
    return mask
  }
}
