import Foundation

/// Writes a small CelebA-format dataset exactly as the published files are laid out (count
/// line, header with a trailing space, columns aligned with runs of spaces), so the reader is
/// checked against the format rather than against our own writer.
struct CelebAFixture {
  static let attributeNames = """
    5_o_Clock_Shadow Arched_Eyebrows Attractive Bags_Under_Eyes Bald Bangs Big_Lips Big_Nose Black_Hair \
    Blond_Hair Blurry Brown_Hair Bushy_Eyebrows Chubby Double_Chin Eyeglasses Goatee Gray_Hair Heavy_Makeup \
    High_Cheekbones Male Mouth_Slightly_Open Mustache Narrow_Eyes No_Beard Oval_Face Pale_Skin Pointy_Nose \
    Receding_Hairline Rosy_Cheeks Sideburns Smiling Straight_Hair Wavy_Hair Wearing_Earrings Wearing_Hat \
    Wearing_Lipstick Wearing_Necklace Wearing_Necktie Young
    """.split(separator: " ").map(String.init)

  let root: URL
  let count: Int
  let newline: String

  static func file(_ i: Int) -> String { String(format: "%06d.jpg", i + 1) }
  /// Deterministic attribute value of image i, attribute a.
  static func value(_ i: Int, _ a: Int) -> Int { (i * 7 + a * 13) % (a % 5 + 2) == 0 ? 1 : -1 }
  /// 0 train for most, 1 val, 2 test.
  static func split(_ i: Int) -> Int { i % 10 == 8 ? 1 : (i % 10 == 9 ? 2 : 0) }
  static func landmarks(_ i: Int) -> [Int] { (0..<10).map { 60 + ($0 * 11 + i) % 100 } }

  /// Creates the folder with all files; `images` writes small fake image files.
  init(count: Int, images: Bool = true, newline: String = "\r\n") throws {
    self.newline = newline
    root = FileManager.default.temporaryDirectory.appendingPathComponent("celeba-\(UUID().uuidString)")
    self.count = count
    let fm = FileManager.default
    try fm.createDirectory(at: root.appendingPathComponent("img_align_celeba"), withIntermediateDirectories: true)
    if images {
      for i in 0..<count {
        try Data("image \(i)".utf8).write(to: root.appendingPathComponent("img_align_celeba/\(Self.file(i))"))
      }
    }
    try write("list_attr_celeba.txt", attrLines())
    try write("list_landmarks_align_celeba.txt", landmarkLines())
    try write("list_eval_partition.txt", (0..<count).map { "\(Self.file($0)) \(Self.split($0))" })
    try write("identity_CelebA.txt", (0..<count).map { "\(Self.file($0)) \(1000 + $0 / 3)" })
    try write(
      "list_bbox_celeba.txt",
      ["\(count)", "image_id x_1 y_1 width height "]
        + (0..<count).map { "\(Self.file($0))    \(90 + $0)  71 226 313" })
  }

  func attrLines() -> [String] {
    ["\(count)", Self.attributeNames.joined(separator: " ") + " "]
      + (0..<count).map { i in
        Self.file(i) + " " + (0..<40).map { Self.value(i, $0) == 1 ? " 1" : "-1" }.joined(separator: " ")
      }
  }

  func landmarkLines() -> [String] {
    [
      "\(count)",
      "lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y ",
    ]
      + (0..<count).map { i in
        Self.file(i) + " " + Self.landmarks(i).map { String(format: "%4d", $0) }.joined(separator: " ")
      }
  }

  func write(_ name: String, _ lines: [String]) throws {
    try Data((lines.joined(separator: newline) + newline).utf8).write(to: root.appendingPathComponent(name))
  }

  /// Replaces one line (0-based) of a file.
  func replaceLine(_ name: String, _ index: Int, with text: String) throws {
    var lines = try lines(name)
    lines[index] = text
    try write(name, lines)
  }

  func lines(_ name: String) throws -> [String] {
    let text = try String(contentsOf: root.appendingPathComponent(name), encoding: .utf8)
    return text.components(separatedBy: newline).dropLast().map { $0 }
  }

  func remove() { try? FileManager.default.removeItem(at: root) }
}
