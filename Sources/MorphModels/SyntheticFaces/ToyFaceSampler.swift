import Foundation

/// SplitMix64: a tiny, fast, well-mixed generator, so face `i` of seed `s` is the same
/// no matter how many faces are rendered or in which order.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }
}

/// Draws plausible, well-labelled parameter sets.
///
/// Values avoid a margin around the 0.5 threshold (continuous attributes come from
/// [0, 0.4] ∪ [0.6, 1]; absent presence features from [0, 0.1], present ones from [0.6, 1]),
/// so every label is decidable from the picture. Ground-truth intermediates fill the gaps.
public struct ToyFaceSampler: Sendable {
  /// Maximum shift (canonical pixels) of misaligned faces; rotation is up to `misalign / 2` degrees.
  public var misalign: Double

  public init(misalign: Double = 0) { self.misalign = misalign }

  /// The parameters of face number `index` of the set seeded with `seed`.
  public func parameters(seed: UInt64, index: Int) -> ToyFaceParameters {
    var rng = SplitMix64(seed: seed &* 0x2545_F491_4F6C_DD1D &+ UInt64(truncatingIfNeeded: index) &+ 1)
    for _ in 0..<3 { _ = rng.next() }
    func u(_ lo: Double, _ hi: Double) -> Double { Double.random(in: lo...hi, using: &rng) }
    func chance(_ p: Double) -> Bool { u(0, 1) < p }
    func continuous() -> Double { chance(0.5) ? u(0, 0.4) : u(0.6, 1) }
    func presence(_ p: Double) -> Double { chance(p) ? u(0.6, 1) : u(0, 0.1) }

    var pose = FacePose()
    if misalign > 0 {
      let maxAngle = min(misalign / 2, 15) * Double.pi / 180
      pose = FacePose(dx: u(-misalign, misalign), dy: u(-misalign, misalign), angle: u(-maxAngle, maxAngle))
    }
    let identity = ToyFaceIdentity(
      faceWidth: u(42, 50), faceHeight: u(56, 64), skinTone: u(0, 1), eyeSpacing: u(17.5, 21.5),
      eyeSize: u(6, 8), mouthWidth: u(13, 18), noseY: u(132, 137), backgroundHue: u(0, 1),
      backgroundLevel: u(0.3, 0.9), lightAngle: u(0, 2 * Double.pi), lightStrength: u(0, 0.3),
      pose: pose)

    var p = ToyFaceParameters(identity: identity)
    p[.smiling] = continuous()
    p[.mouthSlightlyOpen] = presence(0.45)
    p[.male] = continuous()
    let male = p[.male] >= 0.5
    // Facial hair and baldness only on male faces; makeup mostly on female ones.
    p[.noBeard] = 1 - presence(male ? 0.35 : 0)
    p[.mustache] = presence(male ? 0.3 : 0)
    p[.goatee] = presence(male ? 0.3 : 0)
    p[.sideburns] = presence(male ? 0.3 : 0)
    let colour = Int.random(in: 0..<4, using: &rng)
    for (k, attribute) in [ToyFaceAttribute.blackHair, .blondHair, .brownHair, .grayHair].enumerated() {
      p[attribute] = k == colour ? u(0.6, 1) : u(0, 0.1)
    }
    p[.bald] = presence(male ? 0.2 : 0)
    let bald = p[.bald] >= 0.5
    p[.recedingHairline] = presence(bald ? 0 : (male ? 0.3 : 0.1))
    // Bangs would hide a receding hairline, so the two do not come together.
    p[.bangs] = presence(bald || p[.recedingHairline] >= 0.5 ? 0 : 0.3)
    p[.young] = continuous()
    p[.eyeglasses] = presence(0.3)
    p[.archedEyebrows] = continuous()
    p[.bushyEyebrows] = continuous()
    p[.paleSkin] = continuous()
    p[.heavyMakeup] = presence(male ? 0.05 : 0.5)
    return p
  }
}
