import Foundation
import MorphCatalog
import XCTest

/// `morph catalog sql` cannot run forever: a step limit and a wall-clock limit stop it.
final class SQLLimitsTests: XCTestCase {
  let endless = "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT max(i) FROM n"

  func catalogFile() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("sql-limits-\(UUID()).sqlite")
    _ = try Catalog.open(at: url, create: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
  }

  func testRecursiveQueryStopsAtTheStepLimit() throws {
    let url = try catalogFile()
    XCTAssertThrowsError(try Catalog.readOnlySQL(at: url, endless, limits: SQLLimits(steps: 2_000_000, seconds: 60))) { error in
      XCTAssertTrue("\(error)".contains("stopped") && "\(error)".contains("2000000 steps"), "\(error)")
    }
    // A bounded statement under the same limits runs.
    let bounded = try Catalog.readOnlySQL(
      at: url, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1000) SELECT max(i) FROM n",
      limits: SQLLimits(steps: 2_000_000, seconds: 60))
    XCTAssertEqual(bounded.rows, [[.integer(1000)]])
  }

  func testRecursiveQueryStopsAtTheTimeLimit() throws {
    let url = try catalogFile()
    let start = Date()
    XCTAssertThrowsError(try Catalog.readOnlySQL(at: url, endless, limits: SQLLimits(steps: Int.max, seconds: 0.3))) { error in
      XCTAssertTrue("\(error)".contains("longer than 0.3 s"), "\(error)")
    }
    XCTAssertLessThan(Date().timeIntervalSince(start), 10)
  }
}
