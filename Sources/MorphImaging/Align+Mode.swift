import Foundation

extension Align {
  /// `image` aligned by `mode` to `size × size`, materialised. Landmark alignment uses `points`
  /// when given (a detector's five points, in `image`'s pixels), else the image's own rules
  /// (`LandmarkLookup`: its sidecar, then its dataset's landmark list); without any it is an
  /// error naming the file and the rules tried.
  public static func aligned(
    _ image: VipsImage, mode: AlignmentMode, size: Int, file: URL?, points: FaceLandmarks? = nil
  ) throws -> VipsImage {
    switch mode {
    case .centreCrop: return try centreCrop(image, size: size).materialised()
    case .celebaCrop: return try celebaCrop(image, size: size).materialised()
    case .landmarks:
      if let points { return try landmarks(image, points: points, size: size).materialised() }
      guard let file else {
        throw ImagingError.processing(file: "(unknown)", reason: "landmark alignment needs the image's file for its sidecar")
      }
      switch try LandmarkLookup.find(forImage: file) {
      case .success(let found): return try landmarks(image, points: found.landmarks, size: size).materialised()
      case .failure(let missing):
        throw ImagingError.processing(file: file.path, reason: "\(missing.description)")
      }
    }
  }
}
