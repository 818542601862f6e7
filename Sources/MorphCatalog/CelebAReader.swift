import Foundation

/// Reads a CelebA dataset folder exactly as published.
///
/// Files are looked up in the root and in the `Anno/`, `Eval/` and `Img/` subfolders of the
/// official distribution:
/// - `list_attr_celeba.txt`: a count line, a header of attribute names, then `file v1 … vN`
///   with values ±1 (0 and 1 are accepted for datasets written as 0/1).
/// - `list_landmarks_align_celeba.txt` (or `list_landmarks_celeba.txt` for `img_celeba/`):
///   count, header of 10 names, then `file x y × 5`.
/// - `list_eval_partition.txt`: `file split` with 0 train, 1 val, 2 test (no header).
/// - optional `identity_CelebA.txt` (`file id`) and `list_bbox_celeba.txt` (count, header
///   `image_id x_1 y_1 width height`, rows).
/// - images in `img_align_celeba/` (or `img_celeba/`), unless `annotationsOnly`.
///
/// The Kaggle copy, where the reference implementation sends users when the original link is
/// down, is read too: the same tables as CSV with an `image_id` header and no count line
/// (`list_attr_celeba.csv`, `list_eval_partition.csv`, `list_landmarks_align_celeba.csv`,
/// `list_bbox_celeba.csv`) and the images one folder deeper
/// (`img_align_celeba/img_align_celeba/`).
///
/// Attribute names must be CelebA's 40 (a misspelt header would otherwise ingest as a new
/// attribute and leave the real one missing); `extraAttributes` accepts others on purpose.
/// Any malformed line throws `CatalogError.malformed(file:line:message:)`.
public struct CelebAReader {
  public var root: URL
  /// Skip the image folder: no existence check, no content hashes (benchmarks, labels only).
  public var annotationsOnly: Bool
  /// Accept attribute names that are not CelebA's 40 (a dataset in the CelebA layout with
  /// labels of its own).
  public var extraAttributes: Bool
  /// Called with (done, total) while hashing images.
  public var progress: ((Int, Int) -> Void)?

  public init(
    root: URL, annotationsOnly: Bool = false, extraAttributes: Bool = false, progress: ((Int, Int) -> Void)? = nil
  ) {
    self.root = root
    self.annotationsOnly = annotationsOnly
    self.extraAttributes = extraAttributes
    self.progress = progress
  }

  /// Parses and checks every file, hashing the images unless `annotationsOnly`.
  public func read(name: String = "celeba") throws -> DatasetAnnotations {
    var dataset = DatasetAnnotations(name: name, kind: "celeba", root: root.standardizedFileURL.path)
    guard let attrURL = table("list_attr_celeba") else {
      throw CatalogError.missingInput(
        path: root.path, what: "list_attr_celeba.txt (also looked in Anno/, and for Kaggle's list_attr_celeba.csv)")
    }
    let imageFolder = (find("img_align_celeba", in: ["", "Img"]) ?? find("img_celeba", in: ["", "Img"])).map(Self.unnested)
    let aligned = imageFolder.map { $0.lastPathComponent == "img_align_celeba" } ?? true
    // Image paths are stored relative to the root, through the image folder; without one
    // (annotations only) they name the published location, so a later ingest with the images
    // matches the same rows and keeps their ids.
    let prefix = imageFolder.map { relativePath(of: $0) } ?? "img_align_celeba"

    let (index, rowLines) = try readAttributes(TextLines(contentsOf: attrURL), into: &dataset)

    let landmarkNames =
      aligned
      ? ["list_landmarks_align_celeba", "list_landmarks_celeba"]
      : ["list_landmarks_celeba", "list_landmarks_align_celeba"]
    if let url = landmarkNames.lazy.compactMap({ self.table($0) }).first {
      dataset.landmarks = try readNumbers(TextLines(contentsOf: url), columns: 10, index: index, counted: true)
      dataset.landmarksAligned = url.deletingPathExtension().lastPathComponent == "list_landmarks_align_celeba"
    }
    if let url = table("list_bbox_celeba") {
      dataset.boxes = try readNumbers(TextLines(contentsOf: url), columns: 4, index: index, counted: true)
    }
    dataset.splits = [Int8](repeating: -1, count: dataset.files.count)
    if let url = table("list_eval_partition", in: ["", "Eval", "Anno"]) {
      let codes = try readNumbers(
        TextLines(contentsOf: url), columns: 1, index: index, counted: false, allowed: 0..<3,
        meaning: "0 (train), 1 (val) or 2 (test)")
      for (i, code) in codes.enumerated() { dataset.splits[i] = Int8(code) }
    }
    dataset.identities = [Int?](repeating: nil, count: dataset.files.count)
    if let url = table("identity_CelebA") {
      // Identities are integers below 2^24, which a Float holds exactly (CelebA has 10,177).
      let ids = try readNumbers(
        TextLines(contentsOf: url), columns: 1, index: index, counted: false, allowed: 0..<(1 << 24),
        meaning: "an identity number from 0 to 16777215")
      for (i, id) in ids.enumerated() { dataset.identities[i] = Int(id) }
    }

    dataset.contentHashes = [String?](repeating: nil, count: dataset.files.count)
    dataset.byteSizes = [Int64?](repeating: nil, count: dataset.files.count)
    if !annotationsOnly {
      guard let imageFolder else {
        throw CatalogError.missingInput(
          path: root.path, what: "image folder img_align_celeba/ or img_celeba/ (use --annotations-only to skip images)"
        )
      }
      let present = Set((try? FileManager.default.contentsOfDirectory(atPath: imageFolder.path)) ?? [])
      for (i, file) in dataset.files.enumerated() where !present.contains(file) {
        throw CatalogError.malformed(
          file: attrURL.lastPathComponent, line: Int(rowLines[i]),
          message: "unknown file \(file) (not in \(imageFolder.lastPathComponent)/)")
      }
      let urls = dataset.files.map { imageFolder.appendingPathComponent($0) }
      let hashes = try ImageHasher.hash(urls, progress: progress)
      dataset.contentHashes = hashes.map { $0.hash }
      dataset.byteSizes = hashes.map { $0.size }
    }
    dataset.files = dataset.files.map { "\(prefix)/\($0)" }
    return dataset
  }

  /// The path of `url` below `root` (`find` builds every URL as root + components).
  func relativePath(of url: URL) -> String {
    let rootComponents = root.pathComponents
    return url.pathComponents.dropFirst(rootComponents.count).joined(separator: "/")
  }

  /// Finds the table `stem` as published (`.txt`) or as Kaggle's `.csv`.
  func table(_ stem: String, in folders: [String] = ["", "Anno"]) -> URL? {
    find(stem + ".txt", in: folders) ?? find(stem + ".csv", in: folders)
  }

  /// Kaggle's image folder holds the images one level down, in a folder of the same name.
  static func unnested(_ folder: URL) -> URL {
    let inner = folder.appendingPathComponent(folder.lastPathComponent)
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: inner.path, isDirectory: &isFolder), isFolder.boolValue else { return folder }
    return inner
  }

  /// Finds `name` in the root or one of the given subfolders.
  func find(_ name: String, in folders: [String]) -> URL? {
    for folder in folders {
      let url = (folder.isEmpty ? root : root.appendingPathComponent(folder)).appendingPathComponent(name)
      if FileManager.default.fileExists(atPath: url.path) { return url }
    }
    return nil
  }

  // MARK: - Files

  /// Reads the attribute table: count line, header, rows of ±1. Returns file name → row.
  /// Also returns the line number of each row, for later error messages.
  func readAttributes(_ text: TextLines, into dataset: inout DatasetAnnotations) throws -> ([String: Int], [Int32]) {
    var index = [String: Int]()
    var lines = [Int32]()
    // CSV tables have no count line: rows are counted as they come.
    var expected: Int? = text.commas ? Int.max : nil
    var header: [String]?
    var lastLine = 0
    try text.forEachLine { line in
      lastLine = line.number
      guard let count = expected else {
        guard line.count == 1, let n = text.int(line.fields[0]), n >= 0 else {
          throw text.error(
            line.number, "expected the image count on the first line, found \"\(text.string(line.fields[0]))\"")
        }
        // A row is at least a file name and a newline: check before reserving for `n`.
        try text.checkCount(n, line: line.number, minimumRowBytes: 2)
        expected = n
        dataset.files.reserveCapacity(n)
        index.reserveCapacity(n)
        lines.reserveCapacity(n)
        return
      }
      guard let names = header else {
        var names = line.fields.map(text.string)
        if text.commas, names.first == "image_id" { names.removeFirst() }
        if let dup = firstDuplicate(names) {
          throw text.error(line.number, "attribute \(dup) appears twice in the header")
        }
        if !extraAttributes {
          for name in names where !CelebAFormat.attributeNames.contains(name) {
            let hint = NameSuggester.nearest(to: name, among: CelebAFormat.attributeNames).map { "; did you mean \($0)?" } ?? ""
            throw text.error(
              line.number,
              "\(name): not a CelebA attribute\(hint) (to ingest labels of your own in the CelebA layout, use --extra-attributes)")
          }
        }
        header = names
        dataset.attributeNames = names
        // Each value takes at least two bytes ("1 "), so the file bounds the values too.
        if count != Int.max {
          let rows = min(count, text.bytes.count / 2 / max(1, names.count))
          dataset.values.reserveCapacity(rows * names.count)
        }
        return
      }
      guard line.count == names.count + 1 else {
        throw text.error(
          line.number,
          "expected \(names.count + 1) columns (file name + \(names.count) attributes), found \(line.count)")
      }
      guard dataset.files.count < count else {
        throw text.error(line.number, "more rows than the count line announces (\(count))")
      }
      let file = text.string(line.fields[0])
      if let first = index.updateValue(dataset.files.count, forKey: file) {
        throw text.error(line.number, "\(file) listed twice (first on line \(lines[first]))")
      }
      dataset.files.append(file)
      lines.append(Int32(line.number))
      for (column, field) in line.fields.dropFirst().enumerated() {
        switch text.int(field) {
        case 1: dataset.values.append(1)
        case -1, 0: dataset.values.append(-1)
        default:
          throw text.error(
            line.number,
            "\(dataset.files[dataset.files.count - 1]): value of \(names[column]) must be 1, -1 or 0, found \"\(text.string(field))\""
          )
        }
      }
    }
    guard let count = expected else { throw text.error(1, "empty file (expected the image count)") }
    guard header != nil else { throw text.error(lastLine + 1, "truncated: missing the header of attribute names") }
    if count != Int.max, dataset.files.count < count {
      throw text.error(
        lastLine + 1, "truncated: the count line announces \(count) rows, found \(dataset.files.count)")
    }
    return (index, lines)
  }

  /// Reads a per-image numeric table (landmarks, boxes, partition, identities) into a flat
  /// array ordered like `index`, checking for unknown, repeated and missing files.
  /// `allowed` restricts values to integers in a range (partition codes, identities),
  /// described by `meaning` in errors.
  func readNumbers(
    _ text: TextLines, columns: Int, index: [String: Int], counted: Bool, allowed: Range<Int>? = nil,
    meaning: String = ""
  ) throws -> [Float] {
    var out = [Float](repeating: .nan, count: index.count * columns)
    var seenLine = [Int32](repeating: 0, count: index.count)
    // CSV tables (Kaggle's) all have an `image_id,…` header and none has a count line.
    let counted = counted && !text.commas
    var expected: Int? = counted ? nil : index.count
    var sawHeader = !counted && !text.commas
    var rows = 0
    var lastLine = 0
    try text.forEachLine { line in
      lastLine = line.number
      if expected == nil {
        guard line.count == 1, let n = text.int(line.fields[0]), n >= 0 else {
          throw text.error(
            line.number, "expected the image count on the first line, found \"\(text.string(line.fields[0]))\"")
        }
        try text.checkCount(n, line: line.number, minimumRowBytes: 2)
        expected = n
        return
      }
      if !sawHeader {
        // A header of `columns` names, or `image_id` + names (list_bbox_celeba.txt).
        guard line.count == columns || line.count == columns + 1 else {
          throw text.error(line.number, "expected a header of \(columns) column names, found \(line.count) fields")
        }
        sawHeader = true
        return
      }
      guard line.count == columns + 1 else {
        throw text.error(line.number, "expected \(columns + 1) columns (file name + \(columns)), found \(line.count)")
      }
      let file = text.string(line.fields[0])
      guard let i = index[file] else {
        throw text.error(line.number, "unknown file \(file) (not in list_attr_celeba.txt)")
      }
      if seenLine[i] != 0 { throw text.error(line.number, "\(file) listed twice (first on line \(seenLine[i]))") }
      seenLine[i] = Int32(line.number)
      for c in 0..<columns {
        guard let v = text.double(line.fields[c + 1]), v.isFinite else {
          throw text.error(
            line.number, "\(file): column \(c + 2) must be a number, found \"\(text.string(line.fields[c + 1]))\"")
        }
        if let allowed, !(Int(exactly: v).map(allowed.contains) ?? false) {
          throw text.error(
            line.number, "\(file): value must be \(meaning), found \"\(text.string(line.fields[c + 1]))\"")
        }
        out[i * columns + c] = Float(v)
      }
      rows += 1
    }
    if !sawHeader { throw text.error(lastLine + 1, "truncated: missing the header line") }
    if let expected, counted, rows != expected {
      throw text.error(lastLine + 1, "truncated: the count line announces \(expected) rows, found \(rows)")
    }
    if let missing = seenLine.firstIndex(of: 0) {
      let name = index.first { $0.value == missing }?.key ?? "#\(missing)"
      let count = seenLine.lazy.filter { $0 == 0 }.count
      throw text.error(lastLine + 1, "truncated: \(count) images of list_attr_celeba.txt are missing (first: \(name))")
    }
    return out
  }

  func firstDuplicate(_ names: [String]) -> String? {
    var seen = Set<String>()
    return names.first { !seen.insert($0).inserted }
  }
}
