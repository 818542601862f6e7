import MorphCatalog

/// A named set of attributes that one interpolator branch controls.
public struct AttributeGroup: Equatable, Codable, Sendable {
  public var name: String
  public var attributes: [String]

  public init(name: String, attributes: [String]) {
    self.name = name
    self.attributes = attributes
  }
}

extension AttributeGroup {
  /// The nine default groups of DESIGN.md §2 (CelebA attribute names): the catalog's table,
  /// which every catalog is seeded with, so a model and a catalog never disagree on them.
  public static let defaultGroups: [AttributeGroup] = DefaultAttributeGroups.all.map {
    AttributeGroup(name: $0.name, attributes: $0.attributes)
  }
}
