import Foundation
import GRDB
import MorphCatalog
import XCTest

final class ConcurrencyTests: XCTestCase {
  /// A reader on a second connection sees either nothing or the whole dataset while a writer
  /// ingests, and never waits for the writer.
  func testReadersSeeWholeTransactionsOnly() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("morph-conc-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("catalog.sqlite")
    let writer = try Catalog.open(at: url)
    let reader = try Catalog.open(at: url)
    var d = DatasetAnnotations(name: "big", kind: "folder", root: "/big")
    d.attributeNames = ["A", "B"]
    d.files = (0..<20_000).map { "f\($0).png" }
    d.values = (0..<40_000).map { $0 % 3 == 0 ? 1 : -1 }

    let done = expectation(description: "ingest")
    let dataset = d
    DispatchQueue.global().async {
      do { try writer.ingest(dataset) } catch { XCTFail("\(error)") }
      done.fulfill()
    }
    var seen = Set<Int>()
    let deadline = Date().addingTimeInterval(20)
    while Date() < deadline {
      let n = try reader.summary().images
      seen.insert(n)
      if n == 20_000 { break }
    }
    wait(for: [done], timeout: 30)
    XCTAssertEqual(try reader.summary().images, 20_000)
    XCTAssertTrue(seen.isSubset(of: [0, 20_000]), "reader saw a partial ingest: \(seen)")
  }
}
