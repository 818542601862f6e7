import Foundation

/// Reads any labelled image folder: a folder of images plus a CSV of attributes.
///
/// The CSV's header names the file column first (any name), then one column per attribute;
/// a column named `split` (case-insensitive) holds `train`/`val`/`test` (or 0/1/2) instead.
/// Values are 1, -1 or 0 (0 = negative, as in 0/1 tables); an empty cell means unknown.
/// File paths are relative to the folder. Images in the folder that the CSV does not list are
/// ingested without attributes; a CSV row naming a file that is not in the folder is an error.
public struct FolderReader {
  public var folder: URL
  public var attributesCSV: URL?
  public var progress: ((Int, Int) -> Void)?

  /// Extensions recognised as images when listing the folder.
  public static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "webp", "gif", "bmp", "tif", "tiff"]

  public init(folder: URL, attributesCSV: URL?, progress: ((Int, Int) -> Void)? = nil) {
    self.folder = folder
    self.attributesCSV = attributesCSV
    self.progress = progress
  }

  /// Lists, parses and hashes; the dataset is named after the folder unless `name` is given.
  public func read(name: String? = nil) throws -> DatasetAnnotations {
    let root = folder.standardizedFileURL
    var isDir: ObjCBool = false
    guard FileManager.default.fileExists(atPath: root.path, isDirectory: &isDir), isDir.boolValue else {
      throw CatalogError.missingInput(path: root.path, what: "image folder")
    }
    var dataset = DatasetAnnotations(name: name ?? root.lastPathComponent, kind: "folder", root: root.path)
    let images = listImages(root)
    let imageSet = Set(images)
    var row = [String: Int]()

    if let csvURL = attributesCSV {
      let table = try CSVTable(contentsOf: csvURL)
      guard let header = table.records.first else {
        throw CatalogError.malformed(file: table.name, line: 1, message: "empty file (expected a header row)")
      }
      guard header.fields.count >= 2 else {
        throw CatalogError.malformed(
          file: table.name, line: header.line, message: "header needs a file column and at least one attribute")
      }
      let columns = Array(header.fields.dropFirst()).map { $0.trimmingCharacters(in: .whitespaces) }
      let splitColumn = columns.firstIndex { $0.lowercased() == "split" }
      var seenNames = Set<String>()
      for name in columns {
        if name.isEmpty {
          throw CatalogError.malformed(file: table.name, line: header.line, message: "empty attribute name in header")
        }
        if !seenNames.insert(name).inserted {
          throw CatalogError.malformed(
            file: table.name, line: header.line, message: "attribute \(name) appears twice in the header")
        }
      }
      dataset.attributeNames = columns.enumerated().filter { $0.offset != splitColumn }.map(\.element)
      var firstLine = [String: Int]()
      var splits = [Int8]()
      for record in table.records.dropFirst() {
        func fail(_ message: String) -> CatalogError {
          .malformed(file: table.name, line: record.line, message: message)
        }
        guard record.fields.count == header.fields.count else {
          throw fail("expected \(header.fields.count) columns, found \(record.fields.count)")
        }
        let file = record.fields[0].trimmingCharacters(in: .whitespaces)
        if let first = firstLine[file] { throw fail("\(file) listed twice (first on line \(first))") }
        guard imageSet.contains(file) else {
          throw fail("unknown file \(file) (not an image in \(root.lastPathComponent)/)")
        }
        firstLine[file] = record.line
        row[file] = dataset.files.count
        dataset.files.append(file)
        var split: Int8 = -1
        for (c, raw) in record.fields.dropFirst().enumerated() {
          let value = raw.trimmingCharacters(in: .whitespaces)
          if c == splitColumn {
            switch value.lowercased() {
            case "train", "0": split = 0
            case "val", "valid", "validation", "1": split = 1
            case "test", "2": split = 2
            case "": split = -1
            default: throw fail("\(file): split must be train, val or test, found \"\(value)\"")
            }
            continue
          }
          switch value {
          case "1", "+1": dataset.values.append(1)
          case "-1", "0": dataset.values.append(-1)
          case "": dataset.values.append(0)
          default: throw fail("\(file): value of \(columns[c]) must be 1, -1 or 0, found \"\(value)\"")
          }
        }
        splits.append(split)
      }
      dataset.splits = splits
    }
    // Images the table does not list come along without attributes.
    let k = dataset.attributeNames.count
    for image in images where row[image] == nil {
      dataset.files.append(image)
      dataset.values.append(contentsOf: repeatElement(0, count: k))
      dataset.splits.append(-1)
    }
    dataset.identities = [Int?](repeating: nil, count: dataset.files.count)
    let hashes = try ImageHasher.hash(dataset.files.map { root.appendingPathComponent($0) }, progress: progress)
    dataset.contentHashes = hashes.map { $0.hash }
    dataset.byteSizes = hashes.map { $0.size }
    return dataset
  }

  /// Image files below `root`, as sorted relative paths.
  func listImages(_ root: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(atPath: root.path) else { return [] }
    var out = [String]()
    while let path = walker.nextObject() as? String {
      let ext = (path as NSString).pathExtension.lowercased()
      if Self.imageExtensions.contains(ext) { out.append(path) }
    }
    return out.sorted()
  }
}
