import Foundation

/// Whitespace-separated text files read line by line without per-field allocation.
///
/// CelebA's annotation files align their columns with runs of spaces, may end lines with
/// `\r\n` and carry a trailing space on header lines; all of that is tolerated here. The
/// Kaggle copies of the same tables are plain CSV (`image_id,5_o_Clock_Shadow,…`): a `.csv`
/// file also separates fields by commas.
struct TextLines {
  /// File name used in error messages (`list_attr_celeba.txt:12: …`).
  let name: String
  let bytes: [UInt8]
  /// Commas separate fields too (CSV files; no field of these tables holds a comma).
  let commas: Bool

  init(contentsOf url: URL) throws {
    self.name = url.lastPathComponent
    self.bytes = try TableFile.bytes(url)
    self.commas = url.pathExtension.lowercased() == "csv"
  }

  init(name: String, bytes: [UInt8], commas: Bool = false) {
    self.name = name
    self.bytes = bytes
    self.commas = commas
  }

  /// One line split into fields; valid only inside the `forEachLine` callback.
  struct Line {
    /// 1-based line number.
    var number: Int
    /// Byte ranges of the fields within `bytes`.
    var fields: [Range<Int>]
    var count: Int { fields.count }
  }

  /// Calls `body` for every line that is not blank, with its whitespace-separated fields.
  /// The `fields` array is reused between lines.
  func forEachLine(_ body: (Line) throws -> Void) rethrows {
    var line = Line(number: 0, fields: [])
    line.fields.reserveCapacity(64)
    var start = 0
    let n = bytes.count
    try bytes.withUnsafeBufferPointer { b in
      while start < n {
        var end = start
        while end < n && b[end] != 0x0A { end += 1 }
        line.number += 1
        line.fields.removeAll(keepingCapacity: true)
        var i = start
        let comma: UInt8 = commas ? 0x2C : 0x20
        while i < end {
          while i < end && (b[i] == 0x20 || b[i] == 0x09 || b[i] == 0x0D || b[i] == comma) { i += 1 }
          if i == end { break }
          let fieldStart = i
          while i < end && b[i] != 0x20 && b[i] != 0x09 && b[i] != 0x0D && b[i] != comma { i += 1 }
          line.fields.append(fieldStart..<i)
        }
        if !line.fields.isEmpty { try body(line) }
        start = end + 1
      }
    }
  }

  /// The number of lines (counting a final line without newline).
  var lineCount: Int {
    var count = 0
    for byte in bytes where byte == 0x0A { count += 1 }
    if let last = bytes.last, last != 0x0A { count += 1 }
    return count
  }

  /// The most rows of at least `minimumRowBytes` bytes (newline included) this file can hold.
  ///
  /// A count read from the file is checked against this before it sizes anything: a count
  /// line is a claim, and `2147483648` on a 1 kB file must be an error, not a 34 GB
  /// reservation.
  func rowCapacity(minimumRowBytes: Int) -> Int {
    bytes.count / max(1, minimumRowBytes)
  }

  /// Checks a count line's `count` against what the file can hold; throws `file:line` if not.
  func checkCount(_ count: Int, line: Int, minimumRowBytes: Int) throws {
    let capacity = rowCapacity(minimumRowBytes: minimumRowBytes)
    guard count <= capacity else {
      throw error(
        line,
        "the count line announces \(count) rows, more than this \(bytes.count)-byte file can hold (at most \(capacity)); "
          + "fix the count or the file")
    }
  }

  func string(_ range: Range<Int>) -> String {
    String(decoding: bytes[range], as: UTF8.self)
  }

  /// Parses a decimal integer with optional sign, or nil.
  func int(_ range: Range<Int>) -> Int? {
    var i = range.lowerBound
    var negative = false
    if i < range.upperBound && (bytes[i] == 0x2D || bytes[i] == 0x2B) {
      negative = bytes[i] == 0x2D
      i += 1
    }
    guard i < range.upperBound, range.count <= 18 else { return nil }
    var value = 0
    while i < range.upperBound {
      let d = Int(bytes[i]) - 48
      guard d >= 0 && d <= 9 else { return nil }
      value = value * 10 + d
      i += 1
    }
    return negative ? -value : value
  }

  /// Parses a number (integer or decimal), or nil.
  func double(_ range: Range<Int>) -> Double? {
    if let i = int(range) { return Double(i) }
    return Double(string(range))
  }

  func error(_ line: Int, _ message: String) -> CatalogError {
    .malformed(file: name, line: line, message: message)
  }
}
