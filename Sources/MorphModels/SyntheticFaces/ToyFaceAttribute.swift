/// The CelebA attributes the synthetic renderer draws, each driven by one parameter in [0, 1].
///
/// The binary CelebA label is `parameter ≥ 0.5`. Attributes of kind `.presence` draw nothing
/// at all below `FaceVisibility.onset` (well below the threshold), so an "absent" feature
/// never leaves a faint trace; `.continuous` ones change the face smoothly over the whole range.
public enum ToyFaceAttribute: String, CaseIterable, Sendable {
  case smiling = "Smiling"
  case mouthSlightlyOpen = "Mouth_Slightly_Open"
  case male = "Male"
  case noBeard = "No_Beard"
  case mustache = "Mustache"
  case goatee = "Goatee"
  case sideburns = "Sideburns"
  case blackHair = "Black_Hair"
  case blondHair = "Blond_Hair"
  case brownHair = "Brown_Hair"
  case grayHair = "Gray_Hair"
  case bald = "Bald"
  case recedingHairline = "Receding_Hairline"
  case bangs = "Bangs"
  case young = "Young"
  case eyeglasses = "Eyeglasses"
  case archedEyebrows = "Arched_Eyebrows"
  case bushyEyebrows = "Bushy_Eyebrows"
  case paleSkin = "Pale_Skin"
  case heavyMakeup = "Heavy_Makeup"

  /// How a parameter value shows in the image.
  public enum Kind: Sendable {
    /// A feature that is either there or not (glasses, beard): invisible below the onset.
    case presence
    /// A smooth change over the whole range (smile, age, paleness).
    case continuous
  }

  public var kind: Kind {
    switch self {
    case .smiling, .male, .young, .archedEyebrows, .bushyEyebrows, .paleSkin: return .continuous
    default: return .presence
    }
  }

  /// Position in `ToyFaceParameters.attributes`.
  public var index: Int {
    // allCases is in declaration order; the lookup table is built once.
    ToyFaceAttribute.indexTable[self] ?? 0
  }

  private static let indexTable: [ToyFaceAttribute: Int] = Dictionary(
    uniqueKeysWithValues: allCases.enumerated().map { ($1, $0) })

  /// The modelled attributes of an attribute group (by CelebA name), in group order.
  public static func members(of group: AttributeGroup) -> [ToyFaceAttribute] {
    group.attributes.compactMap { ToyFaceAttribute(rawValue: $0) }
  }

  /// The default groups that contain at least one modelled attribute.
  public static var modelledGroups: [AttributeGroup] {
    AttributeGroup.defaultGroups.filter { !members(of: $0).isEmpty }
  }
}

/// How strongly a presence attribute is drawn for a parameter value.
public enum FaceVisibility {
  /// Below this value a presence feature is not drawn at all.
  public static let onset = 0.15
  /// From this value on it is drawn fully.
  public static let full = 0.85

  /// 0 below `onset`, 1 above `full`, linear between.
  public static func of(_ p: Double) -> Double {
    min(max((p - onset) / (full - onset), 0), 1)
  }
}
