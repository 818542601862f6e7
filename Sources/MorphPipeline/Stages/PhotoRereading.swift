import MorphImaging

/// Stages that read an item's photo file again (detail, paste, before-after) take the same
/// pixel limit as `load`, so a photo the run accepted once is not refused later.
enum PhotoRereading {
  static let maxPixels = ParameterSpec(
    "max_pixels", .int, default: .int(ImageLoadOptions.defaultMaxPixels),
    "Refuse photos larger than this (as the `load` stage does; give both the same value).")

  /// The loader a stage reads its items' photos with, under its `max_pixels`.
  static func loader(_ context: StageContext) -> ImageLoader {
    ImageLoader(ImageLoadOptions(maxPixels: max(1, context.int("max_pixels"))))
  }
}
