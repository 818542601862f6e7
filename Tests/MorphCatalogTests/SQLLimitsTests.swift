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

/// The query language has the same limits: a query past them stops with a message.
final class QueryLimitsTests: XCTestCase {
  func testQueryAndCountStopAtTheStepAndTimeLimits() throws {
    let fixture = try CelebAFixture(count: 3000, images: false)
    defer { fixture.remove() }
    let catalog = try Catalog.inMemory()
    try catalog.ingestCelebA(at: fixture.root, annotationsOnly: true)
    // A long expression over every image: far more than 10,000 SQLite steps.
    let expression = Array(repeating: "(Smiling AND NOT Male)", count: 50).joined(separator: " OR ")
    XCTAssertGreaterThan(try catalog.count(expression), 0, "runs under the default limits")
    let fix = "raise the limit (--max-steps, --timeout) or narrow the expression (--split, --limit)"
    XCTAssertThrowsError(try catalog.query(expression, limits: SQLLimits(steps: 5000, seconds: 60))) { error in
      XCTAssertEqual("\(error)", "catalog database error: the query was stopped: it ran more than 5000 steps (--max-steps); \(fix)")
    }
    XCTAssertThrowsError(try catalog.count(expression, limits: SQLLimits(steps: Int.max, seconds: 0))) { error in
      XCTAssertEqual("\(error)", "catalog database error: the query was stopped: it ran longer than 0.0 s (--timeout); \(fix)")
    }
    // The catalog is usable afterwards (the handler is removed).
    let smiling = try XCTUnwrap(CelebAFixture.attributeNames.firstIndex(of: "Smiling"))
    XCTAssertEqual(try catalog.count("Smiling"), (0..<3000).filter { CelebAFixture.value($0, smiling) == 1 }.count)
  }
}
