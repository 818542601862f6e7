import Foundation

/// A comma-separated table (RFC 4180: quoted fields, doubled quotes, CRLF tolerated).
struct CSVTable {
  /// File name for error messages.
  let name: String
  /// Records with the 1-based line on which each starts; blank lines are skipped.
  var records: [(line: Int, fields: [String])] = []

  init(contentsOf url: URL) throws {
    try self.init(name: url.lastPathComponent, bytes: TableFile.bytes(url))
  }

  init(name: String, bytes: [UInt8]) throws {
    self.name = name
    var fields = [String]()
    var field = [UInt8]()
    var line = 1
    var recordLine = 1
    var inQuotes = false
    var fieldWasQuoted = false
    var i = 0
    func endField() {
      fields.append(String(decoding: field, as: UTF8.self))
      field.removeAll(keepingCapacity: true)
      fieldWasQuoted = false
    }
    func endRecord() {
      endField()
      if !(fields.count == 1 && fields[0].isEmpty) { records.append((recordLine, fields)) }
      fields.removeAll(keepingCapacity: true)
    }
    while i < bytes.count {
      let c = bytes[i]
      if inQuotes {
        if c == 0x22 {
          if i + 1 < bytes.count && bytes[i + 1] == 0x22 {
            field.append(0x22)
            i += 1
          } else {
            inQuotes = false
          }
        } else {
          if c == 0x0A { line += 1 }
          field.append(c)
        }
      } else {
        switch c {
        case 0x22 where field.isEmpty && !fieldWasQuoted:
          inQuotes = true
          fieldWasQuoted = true
        case 0x2C:
          endField()
        case 0x0A:
          endRecord()
          line += 1
          recordLine = line
        case 0x0D:
          break
        default:
          field.append(c)
        }
      }
      i += 1
    }
    if inQuotes {
      throw CatalogError.malformed(file: name, line: recordLine, message: "unterminated quoted field")
    }
    if !field.isEmpty || !fields.isEmpty { endRecord() }
  }
}
