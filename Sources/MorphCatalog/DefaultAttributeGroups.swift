/// A named set of attribute names, as stored in the catalog's `attribute_group` tables.
public struct CatalogAttributeGroup: Equatable, Codable, Sendable {
  public var name: String
  public var attributes: [String]

  public init(name: String, attributes: [String]) {
    self.name = name
    self.attributes = attributes
  }
}

/// The nine default attribute groups of DESIGN.md §2 (CelebA names), seeded into every catalog;
/// MorphModels' `AttributeGroup.defaultGroups` is this table.
public enum DefaultAttributeGroups {
  public static let all: [CatalogAttributeGroup] = [
    .init(name: "expression", attributes: ["Mouth_Slightly_Open", "Smiling"]),
    .init(name: "gender", attributes: ["Male", "No_Beard", "Mustache", "Goatee", "Sideburns"]),
    .init(name: "hair_color", attributes: ["Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair"]),
    .init(name: "hair_style", attributes: ["Bald", "Receding_Hairline", "Bangs"]),
    .init(name: "age", attributes: ["Young"]),
    .init(name: "eyes", attributes: ["Arched_Eyebrows", "Bags_Under_Eyes", "Bushy_Eyebrows", "Eyeglasses"]),
    .init(
      name: "face_shape",
      attributes: [
        "Big_Lips", "Big_Nose", "Chubby", "Double_Chin", "High_Cheekbones", "Narrow_Eyes", "Pointy_Nose",
      ]),
    .init(name: "hair_texture", attributes: ["Straight_Hair", "Wavy_Hair"]),
    .init(name: "skin", attributes: ["Attractive", "Pale_Skin", "Heavy_Makeup"]),
  ]
}
