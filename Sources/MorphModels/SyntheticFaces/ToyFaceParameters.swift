import Foundation

/// The per-person parameters of a synthetic face: kept by every attribute edit.
public struct ToyFaceIdentity: Equatable, Sendable {
  /// Half-width and half-height of the face outline, canonical pixels.
  public var faceWidth: Double
  public var faceHeight: Double
  /// 0 = light, 1 = dark skin.
  public var skinTone: Double
  /// Half the distance between the eye centres.
  public var eyeSpacing: Double
  /// Half-width of an eye.
  public var eyeSize: Double
  /// Half-width of the mouth.
  public var mouthWidth: Double
  /// Height of the nose tip (canonical y).
  public var noseY: Double
  /// Background hue and brightness in [0, 1].
  public var backgroundHue: Double
  public var backgroundLevel: Double
  /// Direction (radians) and strength of the directional light.
  public var lightAngle: Double
  public var lightStrength: Double
  /// Where the face sits (non-zero only for misaligned sets).
  public var pose: FacePose

  /// Field names as written in `params.csv`, in `values` order.
  public static let fieldNames = [
    "face_width", "face_height", "skin_tone", "eye_spacing", "eye_size", "mouth_width", "nose_y",
    "background_hue", "background_level", "light_angle", "light_strength", "pose_dx", "pose_dy",
    "pose_angle",
  ]

  public var values: [Double] {
    [
      faceWidth, faceHeight, skinTone, eyeSpacing, eyeSize, mouthWidth, noseY, backgroundHue,
      backgroundLevel, lightAngle, lightStrength, pose.dx, pose.dy, pose.angle,
    ]
  }

  /// Builds an identity from `values` (in `fieldNames` order); nil when the count is wrong.
  public init?(values v: [Double]) {
    guard v.count == Self.fieldNames.count else { return nil }
    self.init(
      faceWidth: v[0], faceHeight: v[1], skinTone: v[2], eyeSpacing: v[3], eyeSize: v[4],
      mouthWidth: v[5], noseY: v[6], backgroundHue: v[7], backgroundLevel: v[8], lightAngle: v[9],
      lightStrength: v[10], pose: FacePose(dx: v[11], dy: v[12], angle: v[13]))
  }

  public init(
    faceWidth: Double = 46, faceHeight: Double = 60, skinTone: Double = 0.3, eyeSpacing: Double = 19.5,
    eyeSize: Double = 7, mouthWidth: Double = 15, noseY: Double = 135, backgroundHue: Double = 0.6,
    backgroundLevel: Double = 0.6, lightAngle: Double = 0, lightStrength: Double = 0,
    pose: FacePose = FacePose()
  ) {
    self.faceWidth = faceWidth
    self.faceHeight = faceHeight
    self.skinTone = skinTone
    self.eyeSpacing = eyeSpacing
    self.eyeSize = eyeSize
    self.mouthWidth = mouthWidth
    self.noseY = noseY
    self.backgroundHue = backgroundHue
    self.backgroundLevel = backgroundLevel
    self.lightAngle = lightAngle
    self.lightStrength = lightStrength
    self.pose = pose
  }
}

/// Everything that determines one synthetic face: identity plus one value in [0, 1] per
/// modelled attribute.
public struct ToyFaceParameters: Equatable, Sendable {
  public var identity: ToyFaceIdentity
  /// Indexed by `ToyFaceAttribute.index` (declaration order of `ToyFaceAttribute`).
  public var attributes: [Double]

  public init(identity: ToyFaceIdentity = ToyFaceIdentity(), attributes: [Double]? = nil) {
    self.identity = identity
    self.attributes = attributes ?? [Double](repeating: 0, count: ToyFaceAttribute.allCases.count)
  }

  public subscript(_ attribute: ToyFaceAttribute) -> Double {
    get { attributes[attribute.index] }
    set { attributes[attribute.index] = newValue }
  }

  /// The CelebA label (1 or −1) of a modelled attribute: the parameter thresholded at 0.5.
  public func label(_ attribute: ToyFaceAttribute) -> Int { self[attribute] >= 0.5 ? 1 : -1 }

  /// Labels for all 40 CelebA attributes, in file order; unmodelled attributes are −1.
  public var celebALabels: [Int] {
    CelebAAttributeNames.all.map { name in
      ToyFaceAttribute(rawValue: name).map { label($0) } ?? -1
    }
  }

  /// The ground-truth intermediate face: this identity, with the attributes of `group` moved
  /// linearly toward `reference`'s by `strength` (0 = this face, 1 = the reference's values).
  public func moved(
    toward reference: ToyFaceParameters, group: AttributeGroup, strength: Double
  ) -> ToyFaceParameters {
    var result = self
    for attribute in ToyFaceAttribute.members(of: group) {
      let a = self[attribute], b = reference[attribute]
      // (1 − s)·a + s·b is exact at both ends, so strength 0 and 1 give exactly a and b.
      result[attribute] = (1 - strength) * a + strength * b
    }
    return result
  }
}
