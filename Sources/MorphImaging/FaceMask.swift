import CVips
import Foundation

/// The region of an aligned face that pasting puts back into the photo: an ellipse over the
/// face, forehead and the hair beside it, built from CelebA's template landmarks (so from the
/// face's own five points, once aligned), with a feathered edge.
///
/// The ellipse stays inside the aligned crop: outside it the model's output is background or
/// repeated edge pixels, which must never reach the photo.
public struct FaceMask: Equatable, Sendable {
  /// Fraction of the ellipse's radius over which the weight falls from 1 to 0 (0 … 0.9).
  public var feather: Double

  public init(feather: Double = 0.1) throws {
    guard feather.isFinite, feather >= 0, feather <= 0.9 else {
      throw ImagingError.invalidArgument("feather must be between 0 and 0.9 (a fraction of the face radius), got \(feather)")
    }
    self.feather = feather
  }

  /// The ellipse in the 178 × 218 CelebA frame: centred between the eyes, a quarter of the way
  /// down to the mouth; 1.8 inter-ocular distances wide on each side, 1.85 eye-to-mouth
  /// distances tall — the face with its forehead and the hair at its sides, inside the crop.
  static var frameEllipse: (centre: ImagePoint, rx: Double, ry: Double) {
    let t = FaceLandmarks.celebaTemplate
    let eyes = ImagePoint(x: (t.leftEye.x + t.rightEye.x) / 2, y: (t.leftEye.y + t.rightEye.y) / 2)
    let mouth = ImagePoint(x: (t.leftMouth.x + t.rightMouth.x) / 2, y: (t.leftMouth.y + t.rightMouth.y) / 2)
    let interocular = t.rightEye.x - t.leftEye.x
    let eyeToMouth = mouth.y - eyes.y
    return (ImagePoint(x: eyes.x, y: eyes.y + 0.27 * eyeToMouth), 1.8 * interocular, 1.85 * eyeToMouth)
  }

  /// The ellipse in the pixels of a `size × size` aligned face.
  public func ellipse(size: Int) -> (centre: ImagePoint, rx: Double, ry: Double) {
    let crop = Align.celebaCropTransform(width: Align.celebaFrame.width, height: Align.celebaFrame.height, size: size)
    let e = Self.frameEllipse
    let k = crop.a  // the crop scales uniformly
    return (crop.apply(e.centre), e.rx * k, e.ry * k)
  }

  /// Weights of the edited face over a `width × height` region, row-major; `toFace` maps region
  /// pixels to the aligned face's pixels (a `size × size` face). Exactly 0 outside the ellipse.
  public func weights(width: Int, height: Int, toFace: AffineTransform, size: Int) -> [Float] {
    let e = ellipse(size: size)
    let m = [toFace.a, toFace.b, toFace.tx, toFace.c, toFace.d, toFace.ty]
    return [Float](unsafeUninitializedCapacity: width * height) { buffer, count in
      if let base = buffer.baseAddress, width > 0, height > 0 {
        cvips_face_mask(Int32(width), Int32(height), m, e.centre.x, e.centre.y, e.rx, e.ry, 1 - feather, base)
      }
      count = width * height
    }
  }
}
