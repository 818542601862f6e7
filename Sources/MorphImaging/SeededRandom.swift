import Foundation

/// SplitMix64: a small, fast generator whose sequence depends only on its seed, on every
/// platform — what reproducible augmentation needs (Swift's default generator is not seedable).
public struct SeededRandom: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) { state = seed }

  /// A generator for one (seed, item, epoch) triple: independent streams per item and epoch.
  public init(seed: UInt64, item: Int, epoch: Int) {
    // Mix each component through the generator's output function so nearby triples diverge.
    let afterSeed = SeededRandom.mix(seed &+ 0x9E37_79B9_7F4A_7C15)
    let afterItem = SeededRandom.mix(afterSeed ^ UInt64(bitPattern: Int64(item)) &* 0x9E37_79B9_7F4A_7C15)
    state = SeededRandom.mix(afterItem ^ UInt64(bitPattern: Int64(epoch)) &* 0xC2B2_AE3D_27D4_EB4F)
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    return SeededRandom.mix(state)
  }

  /// SplitMix64's output function (a bijective 64-bit mixer).
  static func mix(_ value: UInt64) -> UInt64 {
    var z = value
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [range.lowerBound, range.upperBound] (53-bit resolution).
  public mutating func uniform(_ range: ClosedRange<Double>) -> Double {
    let unit = Double(next() >> 11) / Double(1 << 53)
    return range.lowerBound + (range.upperBound - range.lowerBound) * unit
  }
}
