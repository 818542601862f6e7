import Foundation

/// One evaluation case: move `source` toward `reference` in `group`.
public struct EvalPair: Sendable {
  public var sourceName: String
  public var referenceName: String
  public var source: ToyFaceParameters
  public var reference: ToyFaceParameters
  public var group: AttributeGroup

  public init(sourceName: String, referenceName: String, source: ToyFaceParameters, reference: ToyFaceParameters, group: AttributeGroup) {
    self.sourceName = sourceName
    self.referenceName = referenceName
    self.source = source
    self.reference = reference
    self.group = group
  }

  /// Group attributes whose labels differ between source and reference: what must transfer.
  public var changedAttributes: [ToyFaceAttribute] {
    ToyFaceAttribute.members(of: group).filter { source.label($0) != reference.label($0) }
  }

  /// Modelled attributes outside the group: what must be preserved.
  public var otherAttributes: [ToyFaceAttribute] {
    let inGroup = Set(ToyFaceAttribute.members(of: group))
    return ToyFaceAttribute.allCases.filter { !inGroup.contains($0) }
  }

  /// Deterministic held-out pairs: faces of the test split (all faces if it has fewer than two),
  /// groups in turn, each reference chosen so at least one label of the group differs.
  public static func select(from records: [ToyFaceRecord], count: Int, seed: UInt64) throws -> [EvalPair] {
    var pool = records.filter { $0.partition == 2 }
    if pool.count < 2 { pool = records }
    guard pool.count >= 2 else { throw ToyFaceError.badOption("the face set needs at least two faces to form pairs") }
    let groups = ToyFaceAttribute.modelledGroups
    var rng = SplitMix64(seed: seed ^ 0x5EED_0F_FACE)
    var pairs: [EvalPair] = []
    for k in 0..<count {
      let group = groups[k % groups.count]
      let source = pool[Int.random(in: 0..<pool.count, using: &rng)]
      var reference = source
      for _ in 0..<64 {
        let candidate = pool[Int.random(in: 0..<pool.count, using: &rng)]
        if candidate.name == source.name { continue }
        reference = candidate
        let members = ToyFaceAttribute.members(of: group)
        if members.contains(where: { source.parameters.label($0) != candidate.parameters.label($0) }) { break }
      }
      pairs.append(
        EvalPair(
          sourceName: source.name, referenceName: reference.name, source: source.parameters,
          reference: reference.parameters, group: group))
    }
    return pairs
  }
}
