import Foundation

extension EvalPair {
  /// `count` held-out pairs edited only in `groups` (by name), chosen as `select` chooses them:
  /// the same seed gives the same pairs for every method and every run.
  public static func select(from records: [ToyFaceRecord], count: Int, seed: UInt64, groups: [String]) throws -> [EvalPair] {
    let modelled = ToyFaceAttribute.modelledGroups.map(\.name)
    for name in groups where !modelled.contains(name) {
      throw ToyFaceError.badOption("unknown attribute group '\(name)' (known: \(modelled.joined(separator: ", ")))")
    }
    guard !groups.isEmpty else { return try select(from: records, count: count, seed: seed) }
    // `select` cycles through the modelled groups, so this many pairs hold `count` of each.
    let all = try select(from: records, count: count * modelled.count, seed: seed)
    return Array(all.filter { groups.contains($0.group.name) }.prefix(count))
  }

  /// `count` held-out pairs edited in `group`, any group of modelled attributes (a branch added
  /// by `morph train branch`): sources drawn from the test split, each reference the first
  /// draw whose label differs in one of the group's attributes (pairs that find none are left
  /// out). The same seed gives the same pairs.
  public static func select(from records: [ToyFaceRecord], count: Int, seed: UInt64, group: AttributeGroup) throws -> [EvalPair] {
    let members = ToyFaceAttribute.members(of: group)
    guard !members.isEmpty else {
      throw ToyFaceError.badOption(
        "group '\(group.name)' (\(group.attributes.joined(separator: ", "))) has no attribute the synthetic faces draw")
    }
    var pool = records.filter { $0.partition == 2 }
    if pool.count < 2 { pool = records }
    guard pool.count >= 2 else { throw ToyFaceError.badOption("the face set needs at least two faces to form pairs") }
    var rng = SplitMix64(seed: seed ^ 0x5EED_0F_FACE)
    var pairs: [EvalPair] = []
    for _ in 0..<(count * 8) where pairs.count < count {
      let source = pool[Int.random(in: 0..<pool.count, using: &rng)]
      for _ in 0..<64 {
        let candidate = pool[Int.random(in: 0..<pool.count, using: &rng)]
        guard candidate.name != source.name,
          members.contains(where: { source.parameters.label($0) != candidate.parameters.label($0) })
        else { continue }
        pairs.append(
          EvalPair(
            sourceName: source.name, referenceName: candidate.name, source: source.parameters, reference: candidate.parameters,
            group: group))
        break
      }
    }
    return pairs
  }
}
