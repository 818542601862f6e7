import Foundation
import GRDB

/// One SQL value as `morph catalog sql` shows it.
public enum SQLValue: Equatable, Sendable {
  case null
  case integer(Int64)
  case real(Double)
  case text(String)
  case blob(Data)

  /// Text for tables and CSV (blobs are summarised).
  public var text: String {
    switch self {
    case .null: return "NULL"
    case .integer(let i): return String(i)
    case .real(let d): return String(d)
    case .text(let s): return s
    case .blob(let b): return "<blob \(b.count) bytes>"
    }
  }
}

/// The result of a user SQL statement.
public struct SQLResult: Equatable, Sendable {
  public var columns: [String]
  public var rows: [[SQLValue]]
}

extension Catalog {
  /// Runs one user-supplied statement on a read-only connection to the catalog at `url`:
  /// statements that would modify the catalog fail with SQLite's "readonly" error, and one that
  /// runs past `limits` is stopped with a message saying which limit it met.
  public static func readOnlySQL(at url: URL, _ sql: String, limits: SQLLimits = SQLLimits()) throws -> SQLResult {
    let reader = try openReadOnly(at: url)
    do {
      return try reader.read { db in
        let statement = try db.makeStatement(sql: sql)
        let fetched = try SQLLimitWatch.run(
          db, limits: limits, what: "the statement", fix: "raise the limit or bound the query"
        ) { try Row.fetchAll(statement) }
        let rows = fetched.map { row in
          Array(row.databaseValues).map { value -> SQLValue in
            switch value.storage {
            case .null: return .null
            case .int64(let i): return .integer(i)
            case .double(let d): return .real(d)
            case .string(let s): return .text(s)
            case .blob(let b): return .blob(b)
            }
          }
        }
        return SQLResult(columns: statement.columnNames, rows: rows)
      }
    } catch let error as DatabaseError {
      throw CatalogError.database(error.message ?? "\(error)")
    }
  }
}
