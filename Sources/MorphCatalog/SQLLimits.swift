import Foundation
import GRDB
import GRDBSQLite

/// Bounds on one user-supplied statement — SQL (`catalog sql`) or a query-language expression
/// (`catalog query`, the `select` stage): a `WITH RECURSIVE` without a stop, a cross join of
/// the largest tables or a huge expression over a large catalog would otherwise run until killed.
public struct SQLLimits: Equatable, Sendable {
  /// SQLite virtual-machine instructions (a simple row costs tens).
  public var steps: Int
  /// Wall-clock seconds.
  public var seconds: Double

  public init(steps: Int = 1_000_000_000, seconds: Double = 30) {
    self.steps = steps
    self.seconds = seconds
  }

  /// How often (in instructions) SQLite calls the handler that checks the limits.
  static let checkEvery: Int32 = 10_000
}

/// The state the progress handler reads and writes, reached from C through a context pointer.
final class SQLLimitWatch {
  let limits: SQLLimits
  let deadline: Date
  var steps = 0
  /// Which limit stopped the statement, once one has.
  var exceeded: String?

  init(limits: SQLLimits) {
    self.limits = limits
    self.deadline = Date().addingTimeInterval(limits.seconds)
  }

  /// Runs `body` under the limits; when they stop it, throws `CatalogError.database` saying
  /// which limit `what` (e.g. "the statement") met and what to do.
  static func run<T>(_ db: Database, limits: SQLLimits, what: String, fix: String, _ body: () throws -> T) throws -> T {
    let watch = SQLLimitWatch(limits: limits)
    do {
      return try watch.watching(db, body)
    } catch let error as DatabaseError {
      if let reason = watch.exceeded {
        throw CatalogError.database("\(what) was stopped: \(reason); \(fix)")
      }
      throw error
    }
  }

  /// Installs the watch on `db` for the duration of `body`.
  func watching<T>(_ db: Database, _ body: () throws -> T) rethrows -> T {
    let context = Unmanaged.passUnretained(self).toOpaque()
    sqlite3_progress_handler(db.sqliteConnection, SQLLimits.checkEvery, { context in
      guard let context else { return 0 }
      let watch = Unmanaged<SQLLimitWatch>.fromOpaque(context).takeUnretainedValue()
      watch.steps += Int(SQLLimits.checkEvery)
      if watch.steps > watch.limits.steps {
        watch.exceeded = "it ran more than \(watch.limits.steps) steps (--max-steps)"
        return 1
      }
      if Date() > watch.deadline {
        watch.exceeded = "it ran longer than \(watch.limits.seconds) s (--timeout)"
        return 1
      }
      return 0
    }, context)
    defer { sqlite3_progress_handler(db.sqliteConnection, 0, nil, nil) }
    return try withExtendedLifetime(self) { try body() }
  }
}
