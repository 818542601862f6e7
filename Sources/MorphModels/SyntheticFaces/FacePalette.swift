import Foundation

/// The colours of one face, derived from identity and attribute parameters.
struct FacePalette {
  let skin: FaceColor
  let hair: FaceColor
  let beard: FaceColor
  let brow: FaceColor
  let lips: FaceColor
  let iris: FaceColor

  /// Hair colour with no colour attribute present; each present colour pulls away from it.
  static let neutralHair = FaceColor(0.36, 0.3, 0.26)
  static let hairColours: [(ToyFaceAttribute, FaceColor)] = [
    (.blackHair, FaceColor(0.07, 0.06, 0.06)), (.blondHair, FaceColor(0.95, 0.82, 0.45)),
    (.brownHair, FaceColor(0.48, 0.26, 0.1)), (.grayHair, FaceColor(0.7, 0.7, 0.72)),
  ]

  init(_ p: ToyFaceParameters) {
    let id = p.identity
    // Skin tone runs along a warm brown axis; paleness pulls toward a cool, desaturated white.
    let tone = FaceColor(0.94, 0.77, 0.64).mixed(with: FaceColor(0.55, 0.37, 0.26), id.skinTone)
    skin = tone.mixed(with: FaceColor(0.93, 0.91, 0.93), 0.75 * p[.paleSkin])
    var h = Self.neutralHair
    for (attribute, colour) in Self.hairColours {
      let w = FaceVisibility.of(p[attribute])
      h = FaceColor(h.r + w * (colour.r - Self.neutralHair.r), h.g + w * (colour.g - Self.neutralHair.g), h.b + w * (colour.b - Self.neutralHair.b))
    }
    hair = FaceColor(min(max(h.r, 0), 1), min(max(h.g, 0), 1), min(max(h.b, 0), 1))
    beard = hair.scaled(0.8)
    brow = hair.mixed(with: FaceColor(0.1, 0.08, 0.07), 0.55)
    let natural = skin.mixed(with: FaceColor(0.78, 0.36, 0.36), 0.6 - 0.25 * p[.male])
    lips = natural.mixed(with: FaceColor(0.78, 0.06, 0.2), 0.9 * FaceVisibility.of(p[.heavyMakeup]))
    iris = FaceColor(0.3, 0.2, 0.1).mixed(with: FaceColor(0.2, 0.35, 0.5), id.backgroundHue > 0.5 ? 0.6 : 0)
  }

  /// HSV (all in [0, 1]) to RGB.
  static func hsv(_ h: Double, _ s: Double, _ v: Double) -> FaceColor {
    let h6 = (h - floor(h)) * 6
    let i = Int(h6) % 6
    let f = h6 - floor(h6)
    let p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f))
    switch i {
    case 0: return FaceColor(v, t, p)
    case 1: return FaceColor(q, v, p)
    case 2: return FaceColor(p, v, t)
    case 3: return FaceColor(p, q, v)
    case 4: return FaceColor(t, p, v)
    default: return FaceColor(v, p, q)
    }
  }
}
