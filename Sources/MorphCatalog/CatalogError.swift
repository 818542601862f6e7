import Foundation

/// Everything that can go wrong in the catalog that a user can cause or fix.
///
/// Each case renders as one line naming the file, line, item or key at fault, so the CLI can
/// print it as-is.
public enum CatalogError: Error, Equatable, CustomStringConvertible, LocalizedError {
  /// No catalog file exists where one was expected (read-only commands never create one).
  case noCatalog(path: String)
  /// A dataset input file is malformed: `file:line: what is wrong` (line 0 = whole file).
  case malformed(file: String, line: Int, message: String)
  /// A required input file or folder is missing.
  case missingInput(path: String, what: String)
  /// An input file could not be read.
  case unreadable(path: String, reason: String)
  /// A query expression is invalid; see `QueryError` for position and suggestion.
  case query(QueryError)
  /// A named thing (dataset, model, image, run, attribute, group) does not exist.
  case notFound(kind: String, name: String)
  /// A value passed through the API is invalid (wrong shape, dtype, parameter JSON, …).
  case invalidArgument(String)
  /// The database rejected a statement (SQLite message attached).
  case database(String)

  public var description: String {
    switch self {
    case .noCatalog(let path):
      return "no catalog at \(path) (create one with `morph catalog ingest …` or pass --catalog PATH)"
    case .malformed(let file, let line, let message):
      return line > 0 ? "\(file):\(line): \(message)" : "\(file): \(message)"
    case .missingInput(let path, let what):
      return "\(path): missing \(what)"
    case .unreadable(let path, let reason):
      return "\(path): cannot read (\(reason))"
    case .query(let error):
      return error.description
    case .notFound(let kind, let name):
      return "no \(kind) \"\(name)\" in the catalog"
    case .invalidArgument(let message):
      return message
    case .database(let message):
      return "catalog database error: \(message)"
    }
  }

  public var errorDescription: String? { description }
}
