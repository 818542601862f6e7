import Foundation
import MorphImaging

/// One ground-truth request: the source face moved toward the reference in one group.
public struct ToyFacePair: Equatable, Sendable {
  public var source: String
  public var reference: String
  public var group: AttributeGroup
  public var strength: Double
  /// Output file name (defaults to `truth_<line>.png`).
  public var output: String
  /// 1-based line of the pair file, for error messages.
  public var line: Int
}

/// Reads pair files: one request per line, `source reference group strength [output]`,
/// separated by spaces or commas; blank lines and lines starting with `#` are skipped.
public enum ToyFacePairFile {
  public static func read(_ url: URL) throws -> [ToyFacePair] {
    let text: String
    do { text = try BoundedFile.text(url, limit: ToyFaceSetReader.byteLimit) } catch {
      throw ToyFaceError.badLine(file: url.path, line: 0, message: "\(error)")
    }
    return try parse(text, file: url.path)
  }

  public static func parse(_ text: String, file: String) throws -> [ToyFacePair] {
    var pairs: [ToyFacePair] = []
    for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.trimmingCharacters(in: .whitespaces)
      if line.isEmpty || line.hasPrefix("#") { continue }
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "," || $0 == "\t" }).map(String.init)
      guard fields.count == 4 || fields.count == 5 else {
        throw ToyFaceError.badLine(
          file: file, line: n + 1, message: "expected 'source reference group strength [output]', got \(fields.count) fields")
      }
      guard let group = ToyFaceAttribute.modelledGroups.first(where: { $0.name == fields[2] }) else {
        throw ToyFaceError.unknownGroup(file: file, line: n + 1, name: fields[2])
      }
      guard let strength = Double(fields[3]), strength.isFinite else {
        throw ToyFaceError.badLine(file: file, line: n + 1, message: "strength is not a number: '\(fields[3])'")
      }
      pairs.append(
        ToyFacePair(
          source: fields[0], reference: fields[1], group: group, strength: strength,
          output: fields.count == 5 ? fields[4] : String(format: "truth_%04d.png", n + 1), line: n + 1))
    }
    return pairs
  }
}
