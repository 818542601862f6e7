import Foundation

extension Align {
  /// The transform aligning a face: the least-squares similarity taking `points` onto
  /// `FaceLandmarks.celebaTemplate` in the 178 × 218 CelebA frame, followed by the CelebA
  /// crop to `size × size`.
  public static func landmarkTransform(_ points: FaceLandmarks, size: Int) throws -> AffineTransform {
    try checkSize(size)
    let similarity = try SimilarityTransform.fit(
      from: points.points, to: FaceLandmarks.celebaTemplate.points)
    return similarity.affine.then(
      celebaCropTransform(width: celebaFrame.width, height: celebaFrame.height, size: size))
  }

  /// Aligns a face by its five landmarks onto the CelebA template and crops it to
  /// `size × size`, in one high-quality resample. Areas outside the photo repeat its edge.
  public static func landmarks(
    _ image: VipsImage, points: FaceLandmarks, size: Int,
    interpolation: Interpolation = .bicubic, border: WarpBorder = .edge
  ) throws -> VipsImage {
    let transform = try landmarkTransform(points, size: size)
    return try image.warped(
      by: transform, width: size, height: size, interpolation: interpolation, border: border)
  }
}
