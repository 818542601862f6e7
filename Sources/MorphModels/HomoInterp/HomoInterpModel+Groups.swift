import Foundation
import MorphTensor

/// Adding and removing attribute groups: a group is one interpolator branch (with its pooled
/// term when the configuration has one) and one critic head, so a group can be added to a
/// trained model, or held out of one, without touching anything else.
extension HomoInterpModel {
  /// A copy with `group` appended after the existing groups: a new, freshly initialised
  /// branch (its last convolution small, as a new model's) before the residual branch, and a
  /// new critic head. Every other weight is this model's, bit for bit.
  public func addingGroup(_ group: AttributeGroup, seed: UInt64) throws -> HomoInterpModel {
    let names = config.groups.map(\.name)
    guard !names.contains(group.name) else {
      throw HomoInterpError.badConfig("the model already has a group '\(group.name)' (its groups: \(names.joined(separator: ", ")))")
    }
    var grown = config
    grown.groups.append(group)
    try grown.validate()
    let k = config.groups.count
    // A freshly initialised model of the grown configuration lends the new branch and head.
    let fresh = HomoInterpModel(config: grown, seed: seed).stateDict()
    var state: [String: Tensor] = [:]
    for (name, tensor) in stateDict() {
      // The residual branch moves one place up, behind the new group's.
      state[Self.renumbered(name, from: k, to: k + 1, in: Self.branchPrefixes)] = tensor
    }
    for (name, tensor) in fresh
    where Self.branchPrefixes.contains(where: { name.hasPrefix("\($0)\(k).") }) || name.hasPrefix("critic.classifiers.\(k).") {
      state[name] = tensor
    }
    return try Self.assembled(config: grown, state: state, training: false)
  }

  /// A copy without the group named `name`: its branch and critic head are dropped, later ones
  /// move down a place, and every other weight is this model's, bit for bit.
  public func removingGroup(_ name: String) throws -> HomoInterpModel {
    let names = config.groups.map(\.name)
    guard let k = names.firstIndex(of: name) else {
      throw HomoInterpError.badConfig("the model has no group '\(name)' (its groups: \(names.joined(separator: ", ")))")
    }
    var shrunk = config
    shrunk.groups.remove(at: k)
    try shrunk.validate()
    var state: [String: Tensor] = [:]
    for (key, tensor) in stateDict() {
      guard let (prefix, index) = Self.numbered(key), index >= k else {
        state[key] = tensor
        continue
      }
      if index == k { continue }
      state[prefix + String(index - 1) + key.dropFirst(prefix.count + String(index).count)] = tensor
    }
    return try Self.assembled(config: shrunk, state: state, training: false)
  }

  /// A weight's name in the model `addingGroup` makes of a model with `groupCount` groups (the
  /// residual branch moves one place up; every other name stays).
  public static func renamedForAddedGroup(_ key: String, groupCount: Int) -> String {
    renumbered(key, from: groupCount, to: groupCount + 1, in: branchPrefixes)
  }

  /// Parameter-name prefixes numbered by interpolator branch.
  static let branchPrefixes = ["interpolator.branches.", "interpolator.globals."]

  /// `(prefix, index)` of a name numbered by branch or by critic head, nil for others.
  static func numbered(_ key: String) -> (String, Int)? {
    for prefix in branchPrefixes + ["critic.classifiers."] where key.hasPrefix(prefix) {
      let rest = key.dropFirst(prefix.count)
      if let dot = rest.firstIndex(of: "."), let index = Int(rest[..<dot]) { return (prefix, index) }
    }
    return nil
  }

  /// `key` with branch number `from` renamed `to` under any of `prefixes`.
  static func renumbered(_ key: String, from: Int, to: Int, in prefixes: [String]) -> String {
    for prefix in prefixes where key.hasPrefix("\(prefix)\(from).") {
      return "\(prefix)\(to)." + key.dropFirst("\(prefix)\(from).".count)
    }
    return key
  }

  /// The names of the weights that belong to group `name` (its branch, pooled term and critic
  /// head): what `morph train branch` trains, and what must differ between two models that
  /// differ only in that group.
  public func groupParameterNames(_ name: String) -> [String] {
    guard let k = config.groups.map(\.name).firstIndex(of: name) else { return [] }
    return namedParameters().map(\.name).filter { key in
      guard let (_, index) = Self.numbered(key) else { return false }
      return index == k
    }
  }
}
