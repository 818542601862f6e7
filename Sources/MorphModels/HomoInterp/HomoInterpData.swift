import Foundation
import MorphImaging
import MorphTensor

/// The training images and attribute targets of a synthetic face set (written by
/// `morph fixtures toyfaces`): the CelebA crop of each face, jittered, normalised to [−1, 1],
/// with the renderer's attribute parameters in [0, 1] as (soft) targets.
public struct HomoInterpData: Sendable {
  public var directory: URL
  /// Training faces (CelebA splits 0 and 1; the test split is held out for evaluation).
  public var records: [ToyFaceRecord]
  /// Held-out faces (test split) for sample sheets.
  public var heldOut: [ToyFaceRecord]
  /// The groups restricted to attributes the set has.
  public var groups: [AttributeGroup]
  /// FNV-1a 64 of `params.csv` (and the partition file): checkpoints name the data they saw.
  public var hash: String
  public var preprocessor: ImagePreprocessor

  /// Reads a set; groups are intersected with the set's attributes (groups left empty are
  /// dropped). Throws when nothing is left to learn.
  public init(directory: URL, groups: [AttributeGroup], imageSize: Int, jitter: JitterOptions?, seed: UInt64) throws {
    self.directory = directory
    let all = try ToyFaceSetReader.read(directory)
    records = all.filter { $0.partition != 2 }
    heldOut = all.filter { $0.partition == 2 }
    if records.isEmpty { records = all }
    guard records.count >= 2 else {
      throw HomoInterpError.badTraining("\(directory.path): the face set needs at least two training faces, has \(records.count)")
    }
    let known = Set(ToyFaceAttribute.allCases.map(\.rawValue))
    self.groups = groups.compactMap { g in
      let kept = g.attributes.filter { known.contains($0) }
      return kept.isEmpty ? nil : AttributeGroup(name: g.name, attributes: kept)
    }
    guard !self.groups.isEmpty else {
      throw HomoInterpError.badTraining("none of the attribute groups has an attribute of the face set in \(directory.path)")
    }
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for name in ["params.csv", "list_eval_partition.txt"] {
      if let data = try? Data(contentsOf: directory.appendingPathComponent(name)) {
        for b in data {
          h ^= UInt64(b)
          h = h &* 0x100_0000_01b3
        }
      }
    }
    hash = String(format: "fnv1a64:%016llx", h)
    preprocessor = ImagePreprocessor(
      size: imageSize, alignment: .celebaCrop, jitter: jitter.map { Jitter(seed: seed, options: $0) },
      normalisation: .symmetric)
  }

  /// The mild geometric jitter used by default: the evaluation faces are aligned, training
  /// faces are shifted by up to ±2 px at 64 px, zoomed ±3 % and rotated ±2°.
  public static let defaultJitter = JitterOptions(
    maxShift: 0.03, scale: 0.97...1.03, maxRotationDegrees: 2, flipProbability: 0, maxBrightness: 0, maxContrast: 0)

  public func imageURL(_ record: ToyFaceRecord) -> URL {
    directory.appendingPathComponent("img_align_celeba").appendingPathComponent(record.name)
  }

  /// Attribute targets [N, totalAttributes] in group order.
  public func targets(_ chosen: [ToyFaceRecord]) -> Tensor {
    let members = groups.flatMap(\.attributes).compactMap { ToyFaceAttribute(rawValue: $0) }
    let values = chosen.flatMap { r in members.map { Float(min(max(r.parameters.attributes[$0.index], 0), 1)) } }
    return Tensor(shape: [chosen.count, members.count], scalars: values)
  }

  /// Images [N, 3, S, S] of `chosen`; jitter item numbers start at `firstItem`.
  public func images(_ chosen: [ToyFaceRecord], firstItem: Int, jittered: Bool = true) throws -> Tensor {
    var p = preprocessor
    if !jittered { p.jitter = nil }
    let (batch, errors) = try p.batch(chosen.map(imageURL), firstItem: firstItem, parallelism: 2)
    if let (i, error) = errors.enumerated().first(where: { $0.element != nil }) {
      throw HomoInterpError.badTraining("\(imageURL(chosen[i]).path): \(error.map { "\($0)" } ?? "")")
    }
    return Tensor(shape: batch.shape, scalars: batch.data)
  }
}
