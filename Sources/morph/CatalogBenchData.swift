import Foundation
import MorphCatalog

/// Writes a synthetic CelebA-format annotation set (attributes, aligned landmarks, partition)
/// for the catalog benchmark. Attribute rates follow CelebA's approximately, so queries select
/// realistic fractions of rows.
enum CatalogBenchData {
  /// Approximate CelebA positive rates, in `CelebAFormat.attributeNames` order.
  static let rates: [Double] = [
    0.11, 0.27, 0.51, 0.20, 0.02, 0.15, 0.24, 0.23, 0.24, 0.15, 0.05, 0.21, 0.14, 0.06, 0.05, 0.07, 0.06, 0.04,
    0.39, 0.45, 0.42, 0.48, 0.04, 0.12, 0.83, 0.28, 0.04, 0.28, 0.08, 0.07, 0.06, 0.48, 0.21, 0.32, 0.19, 0.05,
    0.47, 0.12, 0.07, 0.77,
  ]

  /// Writes the three files for `rows` images into `folder`.
  static func write(rows: Int, to folder: URL) throws {
    var random = SplitMix(seed: 2019)
    var attr = [UInt8]()
    attr.reserveCapacity(rows * 132)
    var landmarks = [UInt8]()
    landmarks.reserveCapacity(rows * 60)
    var partition = [UInt8]()
    partition.reserveCapacity(rows * 13)
    func append(_ s: String, to buffer: inout [UInt8]) { buffer.append(contentsOf: s.utf8) }

    append("\(rows)\n" + CelebAFormat.attributeNames.joined(separator: " ") + " \n", to: &attr)
    append("\(rows)\n" + CelebAFormat.landmarkNames.joined(separator: " ") + "\n", to: &landmarks)
    let sizes = CelebAFormat.splitSizes
    let trainEnd = rows * sizes.train / CelebAFormat.imageCount
    let valEnd = trainEnd + rows * sizes.val / CelebAFormat.imageCount
    for i in 0..<rows {
      let name = String(format: "%06d.jpg", i + 1)
      append(name, to: &attr)
      for rate in rates {
        append(random.unit() < rate ? "  1" : " -1", to: &attr)
      }
      attr.append(0x0A)
      append(name, to: &landmarks)
      for c in 0..<10 { append(" \(c % 2 == 0 ? 60 + random.below(60) : 100 + random.below(60))", to: &landmarks) }
      landmarks.append(0x0A)
      append("\(name) \(i < trainEnd ? 0 : (i < valEnd ? 1 : 2))\n", to: &partition)
    }
    try Data(attr).write(to: folder.appendingPathComponent("list_attr_celeba.txt"))
    try Data(landmarks).write(to: folder.appendingPathComponent("list_landmarks_align_celeba.txt"))
    try Data(partition).write(to: folder.appendingPathComponent("list_eval_partition.txt"))
  }
}

/// A small deterministic generator (SplitMix64), so every bench run sees the same data.
struct SplitMix {
  var state: UInt64

  init(seed: UInt64) { state = seed }

  mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// Uniform in [0, 1).
  mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }

  /// Uniform integer in 0..<n.
  mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }

  /// Roughly normal (sum of uniforms), for latent-like vectors.
  mutating func gaussian() -> Float { Float(unit() + unit() + unit() + unit() - 2) * 1.7 }
}
