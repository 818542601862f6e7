import Foundation

extension Align {
  /// `image` aligned by `mode` to `size × size`, materialised. Landmark alignment reads the
  /// sidecar beside `file` (the image's own file); without one it is an error naming it.
  public static func aligned(_ image: VipsImage, mode: AlignmentMode, size: Int, file: URL?) throws -> VipsImage {
    switch mode {
    case .centreCrop: return try centreCrop(image, size: size).materialised()
    case .celebaCrop: return try celebaCrop(image, size: size).materialised()
    case .landmarks:
      guard let file else {
        throw ImagingError.processing(file: "(unknown)", reason: "landmark alignment needs the image's file for its sidecar")
      }
      guard let points = try LandmarkFiles.sidecar(forImage: file) else {
        throw ImagingError.processing(file: file.path, reason: "no landmarks sidecar beside the image")
      }
      return try landmarks(image, points: points, size: size).materialised()
    }
  }
}
