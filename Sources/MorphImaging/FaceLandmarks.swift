import Foundation

/// The five CelebA facial landmarks of one face, in image pixel coordinates.
///
/// "Left" and "right" are as seen in the image (CelebA's convention): `leftEye` is the eye
/// with the smaller x.
public struct FaceLandmarks: Equatable, Sendable {
  public var leftEye: ImagePoint
  public var rightEye: ImagePoint
  public var nose: ImagePoint
  public var leftMouth: ImagePoint
  public var rightMouth: ImagePoint

  /// Field names in CelebA's order, as they appear in `list_landmarks_*celeba.txt` headers.
  public static let names = ["lefteye", "righteye", "nose", "leftmouth", "rightmouth"]

  public init(
    leftEye: ImagePoint, rightEye: ImagePoint, nose: ImagePoint, leftMouth: ImagePoint,
    rightMouth: ImagePoint
  ) {
    self.leftEye = leftEye
    self.rightEye = rightEye
    self.nose = nose
    self.leftMouth = leftMouth
    self.rightMouth = rightMouth
  }

  /// Builds landmarks from five points in CelebA's order; throws for any other count or for
  /// non-finite coordinates.
  public init(points: [ImagePoint]) throws {
    guard points.count == 5 else {
      throw ImagingError.invalidArgument("face landmarks need 5 points, got \(points.count)")
    }
    guard points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else {
      throw ImagingError.invalidArgument("face landmarks must be finite numbers: \(points)")
    }
    self.init(
      leftEye: points[0], rightEye: points[1], nose: points[2], leftMouth: points[3],
      rightMouth: points[4])
  }

  /// Builds landmarks from ten numbers, x and y of each point in CelebA's order (a row of
  /// `list_landmarks_*celeba.txt`); throws for any other count or non-finite values.
  public init<S: Sequence>(flat numbers: S) throws where S.Element: BinaryFloatingPoint {
    let values = numbers.map { Double($0) }
    guard values.count == 10 else {
      throw ImagingError.invalidArgument("face landmarks need 10 numbers (5 points), got \(values.count)")
    }
    try self.init(points: (0..<5).map { ImagePoint(x: values[2 * $0], y: values[2 * $0 + 1]) })
  }

  /// The points in CelebA's order.
  public var points: [ImagePoint] { [leftEye, rightEye, nose, leftMouth, rightMouth] }

  /// Where the landmarks sit in CelebA's aligned 178 × 218 images: the target of
  /// landmark alignment (CelebA's own alignment template).
  public static let celebaTemplate = FaceLandmarks(
    leftEye: ImagePoint(x: 69, y: 111), rightEye: ImagePoint(x: 108, y: 111),
    nose: ImagePoint(x: 88, y: 136), leftMouth: ImagePoint(x: 72, y: 152),
    rightMouth: ImagePoint(x: 105, y: 152))

  /// The landmarks moved by `transform`.
  public func transformed(by transform: AffineTransform) -> FaceLandmarks {
    FaceLandmarks(
      leftEye: transform.apply(leftEye), rightEye: transform.apply(rightEye),
      nose: transform.apply(nose), leftMouth: transform.apply(leftMouth),
      rightMouth: transform.apply(rightMouth))
  }
}
