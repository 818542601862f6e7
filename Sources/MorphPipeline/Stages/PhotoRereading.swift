import MorphImaging

/// Stages that read an item's photo file again (detail, paste, before-after) take the same
/// pixel limit as `load`, so a photo the run accepted once is not refused later.
enum PhotoRereading {
  static let maxPixels = ParameterSpec(
    "max_pixels", .int, default: .int(ImageLoadOptions.defaultMaxPixels),
    "Refuse images of more pixels than this (decompression-bomb guard; `load` and the stages that read a photo "
      + "again take the same value).",
    range: .atLeast(1))

  /// The loader a stage reads its items' photos with, under its `max_pixels`.
  static func loader(_ context: StageContext) -> ImageLoader {
    ImageLoader(ImageLoadOptions(maxPixels: context.int("max_pixels")))
  }
}
