import Foundation
import MorphImaging

/// One face of a synthetic set as listed in its `params.csv`.
public struct ToyFaceRecord: Sendable {
  public var name: String
  public var parameters: ToyFaceParameters
  /// CelebA split (0 train, 1 validation, 2 test); 0 when the set has no partition file.
  public var partition: Int
}

/// Reads the parameters (and split) of a set written by `ToyFaceSetWriter`.
public enum ToyFaceSetReader {
  /// Largest `params.csv` or split list read (a 200,000-face set's `params.csv` is about 40 MB).
  public static let byteLimit = 1 << 30

  /// Reads `params.csv` (and `list_eval_partition.txt` when present) from a set directory.
  public static func read(_ directory: URL) throws -> [ToyFaceRecord] {
    let url = directory.appendingPathComponent("params.csv")
    let file = url.path
    let text: String
    do { text = try BoundedFile.text(url, limit: byteLimit) } catch {
      throw ToyFaceError.badLine(file: file, line: 0, message: "\(error)")
    }
    let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
    guard let header = lines.first?.split(separator: ",").map(String.init) else {
      throw ToyFaceError.badLine(file: file, line: 1, message: "empty file")
    }
    let expected = ["image"] + ToyFaceIdentity.fieldNames + ToyFaceAttribute.allCases.map(\.rawValue)
    guard header == expected else {
      let wrong = zip(header, expected).first { $0 != $1 }.map { "column '\($0.0)' where '\($0.1)' was expected" }
      throw ToyFaceError.badLine(
        file: file, line: 1, message: "header does not match: " + (wrong ?? "\(header.count) columns, expected \(expected.count)"))
    }
    let partitions = try readPartitions(directory.appendingPathComponent("list_eval_partition.txt"))
    var records: [ToyFaceRecord] = []
    for (n, line) in lines.enumerated().dropFirst() where !line.trimmingCharacters(in: .whitespaces).isEmpty {
      let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
      guard fields.count == expected.count else {
        throw ToyFaceError.badLine(file: file, line: n + 1, message: "\(fields.count) fields, expected \(expected.count)")
      }
      var values: [Double] = []
      for (k, field) in fields.enumerated().dropFirst() {
        guard let value = Double(field.trimmingCharacters(in: .whitespaces)), value.isFinite else {
          throw ToyFaceError.badLine(file: file, line: n + 1, message: "field '\(expected[k])' is not a number: '\(field)'")
        }
        values.append(value)
      }
      let idCount = ToyFaceIdentity.fieldNames.count
      guard let identity = ToyFaceIdentity(values: Array(values[0..<idCount])) else {
        throw ToyFaceError.badLine(file: file, line: n + 1, message: "bad identity fields")
      }
      let name = fields[0]
      records.append(
        ToyFaceRecord(
          name: name, parameters: ToyFaceParameters(identity: identity, attributes: Array(values[idCount...])),
          partition: partitions[name] ?? 0))
    }
    return records
  }

  private static func readPartitions(_ url: URL) throws -> [String: Int] {
    guard FileManager.default.fileExists(atPath: url.path) else { return [:] }
    let text: String
    do { text = try BoundedFile.text(url, limit: byteLimit) } catch {
      throw ToyFaceError.badLine(file: url.path, line: 0, message: "\(error)")
    }
    var result: [String: Int] = [:]
    for (n, line) in text.split(separator: "\n").enumerated() {
      let parts = line.split(separator: " ")
      guard parts.count == 2, let split = Int(parts[1]) else {
        throw ToyFaceError.badLine(file: url.path, line: n + 1, message: "expected '<image> <split>'")
      }
      result[String(parts[0])] = split
    }
    return result
  }
}
