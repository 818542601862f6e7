import Foundation
import GRDB
import MorphCatalog
import XCTest

/// Queries that crashed the query language under libFuzzer (Tests/FuzzCorpus/query/), kept
/// as tests: each must now be refused with a query error that points at the token.
final class QueryFuzzRegressionTests: XCTestCase {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("FuzzCorpus/query")
  static var fixture: CelebAFixture!
  static var catalog: Catalog!

  override class func setUp() {
    do {
      fixture = try CelebAFixture(count: 20)
      catalog = try Catalog.inMemory()
      try catalog.ingestCelebA(at: fixture.root)
    } catch {
      XCTFail("fixture: \(error)")
    }
  }

  override class func tearDown() { fixture?.remove() }

  func kept(_ name: String) throws -> String {
    try String(contentsOf: Self.corpus.appendingPathComponent(name), encoding: .utf8)
  }

  /// The catalog refuses `source` with a query error (not a crash, not an SQLite error).
  func assertRefused(_ source: String, containing text: String, column: Int, file: StaticString = #filePath, line: UInt = #line)
  {
    XCTAssertThrowsError(try QueryParser.parse(source), file: file, line: line) { error in
      guard let error = error as? QueryError else { return XCTFail("not a QueryError: \(error)", file: file, line: line) }
      XCTAssertTrue(error.message.contains(text), error.message, file: file, line: line)
      XCTAssertEqual(error.column, column, file: file, line: line)
    }
    XCTAssertThrowsError(try Self.catalog.query(source), file: file, line: line) { error in
      guard case CatalogError.query = error else { return XCTFail("not a query error: \(error)", file: file, line: line) }
    }
  }

  /// 20,000 `(` overflowed the stack (AddressSanitizer: stack-overflow in QueryParser).
  func testDeeplyNestedParenthesesAreRefused() throws {
    let source = try kept("nested-parens-20000")
    XCTAssertTrue(source.hasPrefix(String(repeating: "(", count: 20_000)))
    assertRefused(source, containing: "nested more than 24 levels", column: 25)
  }

  /// 20,000 `NOT`s overflowed the stack the same way.
  func testDeeplyNestedNotsAreRefused() throws {
    let source = try kept("nested-not-20000")
    assertRefused(source, containing: "nested more than 24 levels", column: 24 * 4 + 1)
  }

  /// A chain of 1,200 ORs compiled to SQL past SQLite's expression depth of 1,000: an SQL
  /// error instead of a query error.
  func testLongChainsAreRefused() throws {
    let source = try kept("or-chain-1200")
    // Term 257 starts after 256 terms of "Smiling OR " (11 characters each).
    assertRefused(source, containing: "more than 256 names and comparisons", column: 256 * 11 + 1)
  }

  /// The largest queries the limits allow still compile to SQL that SQLite runs: 256 terms
  /// with a group in every third, and each way of nesting 24 deep (64 nested NOTs once
  /// overflowed SQLite's parser stack).
  func testQueriesAtTheLimitsRun() throws {
    let terms = (0..<256).map { $0 % 3 == 0 ? "hair_color" : $0 % 3 == 1 ? "Smiling = -1" : "NOT Male" }
    let chain = terms.enumerated().map { $0.offset == 0 ? $0.element : ($0.offset % 2 == 0 ? " OR " : " AND ") + $0.element }
      .joined()
    XCTAssertNoThrow(try Self.catalog.query(String(repeating: "(", count: 21) + "NOT (" + chain + String(repeating: ")", count: 22)))
    let deep = [
      String(repeating: "NOT ", count: 24) + "Smiling",
      String(repeating: "(", count: 24) + "hair_color" + String(repeating: ")", count: 24),
      String(repeating: "Young AND (", count: 24) + "Smiling = -1" + String(repeating: ")", count: 24),
      String(repeating: "Young OR NOT (", count: 12) + "split = test AND Male" + String(repeating: ")", count: 12),
      String(repeating: "Young AND (Bald OR NOT ", count: 12) + "hair_color" + String(repeating: ")", count: 12),
    ]
    for source in deep { XCTAssertNoThrow(try Self.catalog.query(source), source) }
  }
}
