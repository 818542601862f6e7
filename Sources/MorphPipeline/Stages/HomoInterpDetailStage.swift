import Foundation
import MorphImaging
import MorphModels

/// `homointerp.detail`: decoded edits → the same edits on each face's own photo at `size`
/// (detail transfer, `DetailTransfer`): the photo plus what the model changed, so what the
/// edit does not reach keeps the photo's resolution instead of the model's. By default
/// (`compose: redraw`) the photo plus the model's change where the edit is slight and the
/// model's edited face where it redraws (`ChangeMask.redraw`); `compose: masked` is the edited
/// face wherever the edit reaches and the photo elsewhere (`ChangeMask()`); `compose: change`
/// adds the model's change (edit − reconstruction) to the photo everywhere, sharpest but with
/// ghosts where the edit removes or moves an edge.
///
/// Reads each item's photo again from its file (the item's origin, so the items must come
/// from a `load` stage) and aligns it twice like the recipe's `align` stage: at the model's
/// size, to decode its reconstruction, and at `size`, as the base. A strip of K frames gives a
/// strip of K frames at `size`.
enum HomoInterpDetailStage {
  static let descriptor = StageDescriptor(
    name: "homointerp.detail",
    summary: "Apply decoded edits to each face's photo at a higher resolution (redrawn, masked, or photo + edit − reconstruction).",
    shape: .map, input: .images, output: .images,
    parameters: [
      HomoInterpCheckpoint.parameter,
      ParameterSpec(
        "size", .int, default: .int(256), "Side of the output frames in pixels (the photo aligned at this size).",
        range: .integers(8...4096)),
      .stageAlignment(
        "mode", default: .celebaCrop,
        "Alignment of the photos, as in the recipe's align stage: celeba-crop, centre-crop, landmarks or detected "
          + "(the photo the face was found in, aligned by the detected landmarks)."),
      ParameterSpec(
        "compose", .string, default: .string("redraw"),
        "redraw (photo + edit − reconstruction where the edit is slight, the edited face where it redraws), "
          + "masked (the edited face where the edit reaches, the photo elsewhere) or change (photo + edit − reconstruction).",
        check: { v in compositions.contains(v.stringValue ?? "") ? nil : "must be redraw, masked or change, got \(v)" }),
      PhotoRereading.maxPixels,
    ] + maskParameters,
    concurrency: 1, batch: 4, modelHash: HomoInterpCheckpoint.modelHash
  ) { context in
    let checkpoint = try HomoInterpCheckpoint.load(context)
    let size = context.int("size"), modelSize = checkpoint.imageSize
    let mode = try StageAlignment(context, "mode")
    let composition = try composition(context)
    let loader = PhotoRereading.loader(context)
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
              try mode.align(photo, item: item, size: modelSize, stage: context.stageID),
              try mode.align(photo, item: item, size: size, stage: context.stageID)
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

  static let compositions = ["redraw", "masked", "change"]

  /// The composition `compose` names, with its mask.
  static func composition(_ context: StageContext) throws -> DetailTransfer.Composition {
    switch context.string("compose") {
    case "masked": return .masked(try changeMask(context, defaults: ChangeMask()))
    case "change": return .change
    default: return .redraw(try changeMask(context, defaults: .redraw))
    }
  }

  /// The `ChangeMask` fields as parameters (`mask_low` …); -1, their default, keeps the
  /// composition's own value (`ChangeMask.redraw` for redraw, `ChangeMask()` for masked).
  static let maskParameters: [ParameterSpec] = {
    let masked = ChangeMask(), redraw = ChangeMask.redraw
    let both = { (a: Double, b: Double) in a == b ? "\(a)" : "\(b) redraw, \(a) masked" }
    // Through the shortest decimal of the Float (0.01, not 0.009999999776…), as `morph stages` prints it.
    let decimal = { (value: Float) in Double("\(value)") ?? Double(value) }
    let fraction: @Sendable (ParameterValue) -> String? = { v in
      v.doubleValue == -1 || (0...1).contains(v.doubleValue ?? -2) ? nil : "must be -1 (the composition's default) or within 0…1, got \(v)"
    }
    let radius: @Sendable (ParameterValue) -> String? = { v in
      v.doubleValue == -1 || (0...0.5).contains(v.doubleValue ?? -2)
        ? nil : "must be -1 (the composition's default) or a fraction of the width within 0…0.5, got \(v)"
    }
    return [
      ParameterSpec(
        "mask_low", .double, default: .double(-1),
        "redraw/masked: change (largest channel difference, 0…1) below which a pixel keeps the photo (+ change for redraw); "
          + "-1: \(both(decimal(masked.low), decimal(redraw.low))).", check: fraction),
      ParameterSpec(
        "mask_high", .double, default: .double(-1),
        "redraw/masked: change from which a pixel is wholly the edited face (above mask_low); "
          + "-1: \(both(decimal(masked.high), decimal(redraw.high))).", check: fraction),
      ParameterSpec(
        "mask_smoothing", .double, default: .double(-1),
        "redraw/masked: blur radius before thresholding, as a fraction of the width (ignores isolated decoder noise); "
          + "-1: \(both(masked.smoothing, redraw.smoothing)).", check: radius),
      ParameterSpec(
        "mask_grow", .double, default: .double(-1),
        "redraw/masked: how far the mask grows past a change, as a fraction of the width (covers thin edits with a margin); "
          + "-1: \(both(masked.grow, redraw.grow)).", check: radius),
      ParameterSpec(
        "mask_feather", .double, default: .double(-1),
        "redraw/masked: blur radius of the mask's edge, as a fraction of the width; -1: \(both(masked.feather, redraw.feather)).",
        check: radius),
    ]
  }()

  /// The change mask the parameters describe over `defaults` (-1 keeps the default's field); a
  /// stage error when mask_low ≥ mask_high.
  static func changeMask(_ context: StageContext, defaults: ChangeMask) throws -> ChangeMask {
    let given = { (name: String) -> Double? in
      let value = context.double(name)
      return value == -1 ? nil : value
    }
    let mask = ChangeMask(
      low: given("mask_low").map(Float.init) ?? defaults.low, high: given("mask_high").map(Float.init) ?? defaults.high,
      smoothing: given("mask_smoothing") ?? defaults.smoothing, grow: given("mask_grow") ?? defaults.grow,
      feather: given("mask_feather") ?? defaults.feather)
    do { try mask.validate() } catch { throw PipelineError.stage(stage: context.stageID, message: "mask_low/mask_high: \(error)") }
    return mask
  }
}
