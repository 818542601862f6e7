import Crypto
import Foundation
import GRDB
import MorphCatalog
import XCTest

final class FolderIngestTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("faces-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder.appendingPathComponent("sub"), withIntermediateDirectories: true)
    for name in ["a.jpg", "b.png", "sub/c.jpg", "d.jpg"] {
      try Data("pixels of \(name)".utf8).write(to: folder.appendingPathComponent(name))
    }
    try Data("not an image".utf8).write(to: folder.appendingPathComponent("notes.txt"))
  }

  override func tearDown() { try? FileManager.default.removeItem(at: folder) }

  func csv(_ text: String) throws -> URL {
    let url = folder.appendingPathComponent("attrs.csv")
    try Data(text.utf8).write(to: url)
    return url
  }

  func testFolderWithCSV() throws {
    let table = try csv("file,Smiling,\"Has Hat\",split\r\na.jpg,1,-1,train\nb.png,0,1,test\nsub/c.jpg,-1,,val\n")
    let catalog = try Catalog.inMemory()
    let summary = try catalog.ingestFolder(at: folder, attributesCSV: table, name: "faces")
    XCTAssertEqual(summary.images, 4)
    XCTAssertEqual(try catalog.attributeNames(dataset: "faces"), ["Smiling", "Has Hat"])
    XCTAssertEqual(try catalog.query("Smiling").map(\.path), ["a.jpg"])
    XCTAssertEqual(try catalog.query("NOT Smiling").map(\.path), ["b.png", "sub/c.jpg"])
    XCTAssertEqual(try catalog.query("split = val").map(\.path), ["sub/c.jpg"])
    // d.jpg is not in the table: ingested, attributes unknown.
    let d = try catalog.resolveImage("d.jpg")
    XCTAssertNil(d.split)
    XCTAssertNil(try catalog.attributeValue(imageID: d.id, attribute: "Smiling"))
    XCTAssertEqual(d.contentHash, SHA256.hex(Data("pixels of d.jpg".utf8)))
    // Re-ingest after a file moved: same id, found by content hash.
    let a = try catalog.resolveImage("a.jpg")
    try FileManager.default.moveItem(
      at: folder.appendingPathComponent("a.jpg"), to: folder.appendingPathComponent("sub/a2.jpg"))
    let moved = try csv("file,Smiling,Has Hat,split\nsub/a2.jpg,1,-1,train\nb.png,0,1,test\nsub/c.jpg,-1,,val\n")
    let again = try catalog.ingestFolder(at: folder, attributesCSV: moved, name: "faces")
    XCTAssertEqual(again.added, 0)
    XCTAssertEqual(try catalog.resolveImage("sub/a2.jpg").id, a.id)
  }

  func testMalformedCSVLeavesCatalogUnchanged() throws {
    let catalog = try Catalog.inMemory()
    let cases: [(String, String)] = [
      ("file,Smiling\na.jpg,1\nb.png,1,1\n", "attrs.csv:3: expected 2 columns, found 3"),
      ("file,Smiling\na.jpg,yes\n", "attrs.csv:2: a.jpg: value of Smiling must be 1, -1 or 0, found \"yes\""),
      ("file,Smiling\na.jpg,1\n\na.jpg,1\n", "attrs.csv:4: a.jpg listed twice (first on line 2)"),
      ("file,Smiling\nzz.jpg,1\n", "attrs.csv:2: unknown file zz.jpg (not an image in \(folder.lastPathComponent)/)"),
      ("file,Smiling\na.jpg,\"1\n", "attrs.csv:2: unterminated quoted field"),
      ("file,Smiling,Smiling\n", "attrs.csv:1: attribute Smiling appears twice in the header"),
    ]
    for (text, expected) in cases {
      XCTAssertThrowsError(try catalog.ingestFolder(at: folder, attributesCSV: try csv(text))) { error in
        XCTAssertEqual("\(error)", expected)
      }
      XCTAssertEqual(try catalog.summary().images, 0)
      XCTAssertEqual(try catalog.summary().datasets, [:])
    }
  }
}
