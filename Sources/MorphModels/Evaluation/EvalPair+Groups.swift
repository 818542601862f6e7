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
}
