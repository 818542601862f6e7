import Foundation
import GRDB
import GRDBSQLite

/// Bounds on one user-supplied SQL statement: a `WITH RECURSIVE` without a stop, or a
/// cross join of the largest tables, would otherwise run until killed.
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
