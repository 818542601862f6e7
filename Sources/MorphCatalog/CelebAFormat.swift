/// Facts about the published CelebA annotation files.
public enum CelebAFormat {
  /// The 40 attribute names in the order of `list_attr_celeba.txt`.
  public static let attributeNames = [
    "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips", "Big_Nose",
    "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows", "Chubby", "Double_Chin", "Eyeglasses",
    "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open", "Mustache",
    "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose", "Receding_Hairline", "Rosy_Cheeks",
    "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat", "Wearing_Lipstick",
    "Wearing_Necklace", "Wearing_Necktie", "Young",
  ]

  /// The landmark header of `list_landmarks_align_celeba.txt`.
  public static let landmarkNames = [
    "lefteye_x", "lefteye_y", "righteye_x", "righteye_y", "nose_x", "nose_y", "leftmouth_x", "leftmouth_y",
    "rightmouth_x", "rightmouth_y",
  ]

  /// Images in the full set, and the official train / val / test sizes.
  public static let imageCount = 202_599
  public static let splitSizes = (train: 162_770, val: 19_867, test: 19_962)
}
