import Foundation

/// Face alignment: maps a photo onto the square crop the models are trained on.
///
/// Each alignment is also available as an `AffineTransform` (input → output pixels), so the
/// training pipeline can compose it with `Jitter` and resample once.
public enum Align {
  /// Side of the square CelebA crop in the 178 × 218 aligned images.
  public static let celebaCropSide = 160
  /// Offset of the crop centre from the image centre (x, y): 15 px down, towards the face.
  public static let celebaCropOffset = (x: 0, y: 15)
  /// Size of CelebA's aligned images, the frame of `FaceLandmarks.celebaTemplate`.
  public static let celebaFrame = (width: 178, height: 218)

  // MARK: - CelebA crop

  /// Top-left corner of the CelebA crop in an image of the given size.
  static func celebaCropOrigin(width: Int, height: Int) -> (left: Int, top: Int) {
    let left = Int((Double(width - celebaCropSide) / 2).rounded(.down)) + celebaCropOffset.x
    let top = Int((Double(height - celebaCropSide) / 2).rounded(.down)) + celebaCropOffset.y
    return (left, top)
  }

  /// The reference CelebA preprocessing: a 160 × 160 crop centred 15 px below the image
  /// centre, resized (Lanczos, antialiased) to `size × size`.
  public static func celebaCrop(_ image: VipsImage, size: Int) throws -> VipsImage {
    try checkSize(size)
    try checkCelebaCropFits(width: image.width, height: image.height)
    let (left, top) = celebaCropOrigin(width: image.width, height: image.height)
    return try image.crop(left: left, top: top, width: celebaCropSide, height: celebaCropSide)
      .resized(width: size, height: size)
  }

  /// Throws unless the CelebA crop window lies inside an image of this size.
  public static func checkCelebaCropFits(width: Int, height: Int) throws {
    let (left, top) = celebaCropOrigin(width: width, height: height)
    guard left >= 0, top >= 0, left + celebaCropSide <= width, top + celebaCropSide <= height else {
      throw ImagingError.invalidArgument(
        "celeba-crop needs an image of at least \(celebaCropSide)×\(celebaCropSide + 2 * celebaCropOffset.y) "
          + "pixels (CelebA aligned images are 178×218); got \(width)×\(height)")
    }
  }

  /// The CelebA crop as a transform from an image of the given size to the `size × size`
  /// output (the same geometry as `celebaCrop`, for composing with jitter).
  public static func celebaCropTransform(width: Int, height: Int, size: Int) -> AffineTransform {
    let (left, top) = celebaCropOrigin(width: width, height: height)
    return cropTransform(left: Double(left), top: Double(top), side: Double(celebaCropSide), size: size)
  }

  // MARK: - Centre crop

  /// The largest centred square, resized (Lanczos, antialiased) to `size × size`.
  public static func centreCrop(_ image: VipsImage, size: Int) throws -> VipsImage {
    try checkSize(size)
    let side = min(image.width, image.height)
    return try image.crop(
      left: (image.width - side) / 2, top: (image.height - side) / 2, width: side, height: side
    ).resized(width: size, height: size)
  }

  /// The centre crop as a transform to the `size × size` output.
  public static func centreCropTransform(width: Int, height: Int, size: Int) -> AffineTransform {
    let side = min(width, height)
    return cropTransform(
      left: Double((width - side) / 2), top: Double((height - side) / 2), side: Double(side), size: size)
  }

  // MARK: - Helpers

  /// Maps the square (left, top, side) onto `size × size`, pixel areas to pixel areas:
  /// output centre X ↔ input x = left + (X + ½)·side/size − ½.
  static func cropTransform(left: Double, top: Double, side: Double, size: Int) -> AffineTransform {
    let k = Double(size) / side
    return AffineTransform(
      a: k, b: 0, c: 0, d: k, tx: (0.5 - left) * k - 0.5, ty: (0.5 - top) * k - 0.5)
  }

  static func checkSize(_ size: Int) throws {
    guard size > 0, size <= 4096 else {
      throw ImagingError.invalidArgument("output size \(size) must be between 1 and 4096 pixels")
    }
  }
}
