/// Geometry of CelebA's aligned 178×218 images, which the synthetic faces imitate.
public enum FaceLayout {
  public static let canonicalWidth = 178.0
  public static let canonicalHeight = 218.0
  /// Horizontal centre of the face.
  public static let centerX = 89.0
  /// Height of the eye centres.
  public static let eyeY = 112.0
  /// Height of the mouth line at rest (no smile).
  public static let mouthY = 152.0
}

/// The 40 CelebA attribute names in the order of `list_attr_celeba.txt`.
public enum CelebAAttributeNames {
  public static let all: [String] = [
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips",
    "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows", "Chubby",
    "Double_Chin", "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones", "Male",
    "Mouth_Slightly_Open", "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin",
    "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair",
    "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick", "Wearing_Necklace",
    "Wearing_Necktie", "Young",
  ]
}
