import Foundation

/// Reads five-point face landmarks from CelebA's list files and from sidecar files.
public enum LandmarkFiles {
  // MARK: - CelebA lists

  /// Parses CelebA's `list_landmarks_align_celeba.txt` / `list_landmarks_celeba.txt`:
  /// a count line, a header line of the ten field names, then `name x1 y1 … x5 y5` per image —
  /// or Kaggle's `.csv` copy of it (`image_id,lefteye_x,…` header, comma-separated rows).
  /// Returns landmarks by image file name. Errors name the file and line.
  public static func readCelebAList(_ url: URL) throws -> [String: FaceLandmarks] {
    let text = try readText(url, limit: listByteLimit)
    return try parseCelebAList(text, file: url.path)
  }

  /// Parses the text of a CelebA landmark list (see `readCelebAList`); `file` names it in errors.
  public static func parseCelebAList(_ text: String, file: String) throws -> [String: FaceLandmarks] {
    var result: [String: FaceLandmarks] = [:]
    var sawHeader = false
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = index + 1
      let fields = rawLine.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" || $0 == "," })
      if fields.isEmpty { continue }
      // The first lines are an image count and the header of field names (Kaggle's starts
      // with `image_id`).
      if !sawHeader {
        if fields.count == 1, Int(fields[0]) != nil { continue }
        if let first = fields.first?.lowercased(), first.hasPrefix("lefteye") || first == "image_id" {
          sawHeader = true
          continue
        }
      }
      guard fields.count == 11 else {
        throw ImagingError.landmarks(
          file: file, line: line,
          reason: "expected an image name and 10 numbers, found \(fields.count) fields")
      }
      let name = String(fields[0])
      let numbers = try fields[1...].enumerated().map { offset, field -> Double in
        guard let value = Double(field), value.isFinite else {
          throw ImagingError.landmarks(
            file: file, line: line,
            reason: "field \(fieldName(offset)) of \(name) is not a number: \"\(field)\"")
        }
        return value
      }
      if result[name] != nil {
        throw ImagingError.landmarks(file: file, line: line, reason: "\(name) is listed twice")
      }
      result[name] = try landmarks(from: numbers)
    }
    return result
  }

  // MARK: - Sidecars

  /// Sidecar suffixes looked for beside an image, in order: `photo.jpg` → `photo.landmarks.json`,
  /// `photo.landmarks.csv`.
  public static let sidecarSuffixes = ["landmarks.json", "landmarks.csv"]

  /// The landmarks in a sidecar beside `image`, or nil when there is none.
  public static func sidecar(forImage image: URL) throws -> FaceLandmarks? {
    let base = image.deletingPathExtension()
    for suffix in sidecarSuffixes {
      let url = URL(fileURLWithPath: base.path + "." + suffix)
      if FileManager.default.fileExists(atPath: url.path) { return try readSidecar(url) }
    }
    return nil
  }

  /// Reads a sidecar file; the format follows the suffix (`.json` or `.csv`).
  ///
  /// JSON: either an object with keys `lefteye`, `righteye`, `nose`, `leftmouth`,
  /// `rightmouth`, each `[x, y]`, or an array of five `[x, y]` pairs in that order.
  /// CSV: five `x,y` rows in that order, or one row of ten numbers; an optional header row
  /// (a row that is not numbers) is skipped.
  public static func readSidecar(_ url: URL) throws -> FaceLandmarks {
    let text = try readText(url, limit: sidecarByteLimit)
    switch url.pathExtension.lowercased() {
    case "json": return try parseJSON(text, file: url.path)
    case "csv": return try parseCSV(text, file: url.path)
    default:
      throw ImagingError.landmarks(
        file: url.path, line: nil, reason: "unknown landmark file type (use .json or .csv)")
    }
  }

  /// Parses sidecar JSON (see `readSidecar`); `file` names it in errors.
  public static func parseJSON(_ text: String, file: String) throws -> FaceLandmarks {
    let value: Any
    do {
      value = try JSONSerialization.jsonObject(with: Data(text.utf8))
    } catch {
      throw ImagingError.landmarks(file: file, line: nil, reason: "not valid JSON: \(error.localizedDescription)")
    }
    func pair(_ item: Any?, _ what: String) throws -> ImagePoint {
      guard let array = item as? [Any], array.count == 2,
        let x = (array[0] as? NSNumber)?.doubleValue, let y = (array[1] as? NSNumber)?.doubleValue,
        x.isFinite, y.isFinite
      else {
        throw ImagingError.landmarks(file: file, line: nil, reason: "\(what) must be an [x, y] pair of numbers")
      }
      return ImagePoint(x: x, y: y)
    }
    if let object = value as? [String: Any] {
      let lowered = Dictionary(object.map { ($0.key.lowercased().replacingOccurrences(of: "_", with: ""), $0.value) }) { a, _ in a }
      let points = try FaceLandmarks.names.map { name -> ImagePoint in
        guard let item = lowered[name] else {
          throw ImagingError.landmarks(file: file, line: nil, reason: "missing key \"\(name)\"")
        }
        return try pair(item, "\"\(name)\"")
      }
      return try FaceLandmarks(points: points)
    }
    if let array = value as? [Any] {
      guard array.count == 5 else {
        throw ImagingError.landmarks(file: file, line: nil, reason: "expected 5 [x, y] pairs, found \(array.count)")
      }
      return try FaceLandmarks(points: array.enumerated().map { try pair($0.element, FaceLandmarks.names[$0.offset]) })
    }
    throw ImagingError.landmarks(file: file, line: nil, reason: "expected a JSON object or array of 5 points")
  }

  /// Parses sidecar CSV (see `readSidecar`); `file` names it in errors.
  public static func parseCSV(_ text: String, file: String) throws -> FaceLandmarks {
    var numbers: [Double] = []
    for (index, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let fields = rawLine.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
      if fields.allSatisfy(\.isEmpty) { continue }
      let values = fields.map { Double($0) }
      if values.allSatisfy({ $0 == nil }), numbers.isEmpty { continue }  // header
      guard values.allSatisfy({ $0?.isFinite == true }) else {
        throw ImagingError.landmarks(
          file: file, line: index + 1, reason: "expected numbers, found \"\(rawLine.trimmingCharacters(in: .whitespaces))\"")
      }
      guard fields.count == 2 || fields.count == 10 else {
        throw ImagingError.landmarks(
          file: file, line: index + 1, reason: "expected 2 (x,y) or 10 numbers, found \(fields.count)")
      }
      numbers += values.compactMap { $0 }
    }
    guard numbers.count == 10 else {
      throw ImagingError.landmarks(
        file: file, line: nil, reason: "expected 5 points (10 numbers), found \(numbers.count) numbers")
    }
    return try landmarks(from: numbers)
  }

  // MARK: - Helpers

  static func landmarks(from numbers: [Double]) throws -> FaceLandmarks {
    try FaceLandmarks(flat: numbers)
  }

  static func fieldName(_ offset: Int) -> String {
    FaceLandmarks.names[offset / 2] + (offset % 2 == 0 ? "_x" : "_y")
  }

  /// Largest landmark list read: CelebA's (202,599 faces) is 12 MB.
  public static let listByteLimit = 256 << 20
  /// Largest sidecar read: five points need a few hundred bytes.
  public static let sidecarByteLimit = 64 << 10

  static func readText(_ url: URL, limit: Int) throws -> String {
    do { return try BoundedFile.text(url, limit: limit) } catch let refusal as BoundedFile.Refusal {
      throw ImagingError.landmarks(file: url.path, line: nil, reason: refusal.reason)
    }
  }
}
