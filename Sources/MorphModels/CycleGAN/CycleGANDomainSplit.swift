import Foundation

/// How a face set is split into CycleGAN's two domains A and B.
///
/// - `attribute`: B = faces with the binary attribute (label +1), A = the others.
/// - `group`: B = faces with at least one attribute of the group present, A = faces with none
///   (e.g. `expression`: neutral closed mouth vs smiling or open mouth).
public enum CycleGANDomainSplit: Codable, Equatable, Sendable {
  case attribute(String)
  case group(AttributeGroup)

  /// Parses `--group NAME` / `--attribute NAME` values against the modelled attributes.
  public static func parse(group: String?, attribute: String?) throws -> CycleGANDomainSplit {
    switch (group, attribute) {
    case (let g?, nil):
      guard let found = ToyFaceAttribute.modelledGroups.first(where: { $0.name == g }) else {
        let known = ToyFaceAttribute.modelledGroups.map(\.name).joined(separator: ", ")
        throw CycleGANError.badConfig("unknown attribute group '\(g)' (known: \(known))")
      }
      return .group(AttributeGroup(name: found.name, attributes: ToyFaceAttribute.members(of: found).map(\.rawValue)))
    case (nil, let a?):
      guard ToyFaceAttribute(rawValue: a) != nil else {
        let known = ToyFaceAttribute.allCases.map(\.rawValue).joined(separator: ", ")
        throw CycleGANError.badConfig("unknown attribute '\(a)' (known: \(known))")
      }
      return .attribute(a)
    case (nil, nil): throw CycleGANError.badConfig("give the domain split: a group (--group) or a binary attribute (--attribute)")
    case (_?, _?): throw CycleGANError.badConfig("give either a group or an attribute, not both")
    }
  }

  /// A short name (`expression`, `Smiling`).
  public var name: String {
    switch self {
    case .attribute(let a): return a
    case .group(let g): return g.name
    }
  }

  /// The modelled attributes the split reads.
  public var attributes: [ToyFaceAttribute] {
    switch self {
    case .attribute(let a): return ToyFaceAttribute(rawValue: a).map { [$0] } ?? []
    case .group(let g): return ToyFaceAttribute.members(of: g)
    }
  }

  /// True for domain B, false for domain A.
  public func isDomainB(_ p: ToyFaceParameters) -> Bool {
    attributes.contains { p.label($0) == 1 }
  }

  /// Whether an edit of `group` can involve this split (its attributes lie in the group).
  public func concerns(_ group: AttributeGroup) -> Bool {
    let members = Set(group.attributes)
    return attributes.contains { members.contains($0.rawValue) }
  }
}
