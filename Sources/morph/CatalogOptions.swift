import ArgumentParser
import Foundation
import MorphCatalog

/// `--catalog PATH`, shared by every catalog and runs subcommand.
struct CatalogOptions: ParsableArguments {
  @Option(name: .long, help: "Catalog file (default: \(CatalogLocation.defaultPath)).")
  var catalog: String?

  var url: URL { CatalogLocation.resolve(catalog) }

  /// Opens the catalog for a command that writes; `create` makes a missing one.
  func open(create: Bool = false) throws -> MorphCatalog.Catalog {
    try MorphCatalog.Catalog.open(at: url, create: create)
  }

  /// Opens the catalog read-only, for a command that only reads: the file is left byte for byte.
  func openForReading() throws -> MorphCatalog.Catalog {
    try MorphCatalog.Catalog.openForReading(at: url)
  }
}

/// `--max-steps` and `--timeout`, shared by `catalog sql` and `catalog query`: a statement or
/// expression that runs past either is stopped with a message.
struct SQLLimitOptions: ParsableArguments {
  @Option(help: "Stop after this many SQLite steps.") var maxSteps = SQLLimits().steps
  @Option(help: "Stop after this many seconds.") var timeout = SQLLimits().seconds

  func validate() throws {
    guard maxSteps > 0 else { throw ValidationError("--max-steps must be positive, got \(maxSteps)") }
    guard timeout > 0, timeout.isFinite else { throw ValidationError("--timeout must be a positive number of seconds") }
  }

  var limits: SQLLimits { SQLLimits(steps: maxSteps, seconds: timeout) }
}

/// How listings are printed.
enum ListingFormat: String, ExpressibleByArgument, CaseIterable {
  case table, csv, json, paths
}

/// Plain-text output helpers shared by the catalog commands.
enum CatalogPrinter {
  /// Columns padded to their widest cell, separated by two spaces.
  static func table(_ header: [String], _ rows: [[String]]) -> String {
    var widths = header.map(\.count)
    for row in rows {
      for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
    }
    func line(_ cells: [String]) -> String {
      cells.enumerated().map { i, cell in
        i == cells.count - 1 ? cell : cell.padding(toLength: widths[i], withPad: " ", startingAt: 0)
      }.joined(separator: "  ")
    }
    return ([line(header)] + rows.map(line)).joined(separator: "\n")
  }

  /// RFC 4180 CSV.
  static func csv(_ header: [String], _ rows: [[String]]) -> String {
    func quote(_ s: String) -> String {
      s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
        ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
    return ([header] + rows).map { $0.map(quote).joined(separator: ",") }.joined(separator: "\n")
  }

  static func json<T: Encodable>(_ value: T) throws -> String {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    return String(decoding: try encoder.encode(value), as: UTF8.self)
  }

  /// Writes a line to standard error (progress, notes), unbuffered.
  static func note(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
  }
}
