import Foundation
import GRDB
import MorphCatalog
import XCTest

final class QueryTests: XCTestCase {
  static var fixture: CelebAFixture!
  static var catalog: Catalog!
  static let column = Dictionary(uniqueKeysWithValues: CelebAFixture.attributeNames.enumerated().map { ($1, $0) })

  override class func setUp() {
    do {
      fixture = try CelebAFixture(count: 120)
      catalog = try Catalog.inMemory()
      try catalog.ingestCelebA(at: fixture.root)
    } catch {
      XCTFail("fixture: \(error)")
    }
  }

  override class func tearDown() { fixture?.remove() }

  /// Indices of fixture images for which `predicate` holds.
  func expected(_ predicate: (Int) -> Bool) -> [String] {
    (0..<120).filter(predicate).map { "img_align_celeba/" + CelebAFixture.file($0) }
  }

  func v(_ i: Int, _ name: String) -> Bool { CelebAFixture.value(i, Self.column[name]!) == 1 }

  func paths(_ expression: String, split: String? = nil) throws -> [String] {
    try Self.catalog.query(expression, split: split).map(\.path)
  }

  func testBooleanExpressionsMatchTheData() throws {
    XCTAssertEqual(try paths("Smiling AND NOT Male"), expected { v($0, "Smiling") && !v($0, "Male") })
    XCTAssertEqual(
      try paths("(Blond_Hair OR Gray_Hair) AND Young"),
      expected { (v($0, "Blond_Hair") || v($0, "Gray_Hair")) && v($0, "Young") })
    XCTAssertEqual(try paths("not smiling or bald"), expected { !v($0, "Smiling") || v($0, "Bald") })
    XCTAssertEqual(try paths("Smiling = -1"), expected { !v($0, "Smiling") })
    XCTAssertEqual(try paths("NOT NOT Eyeglasses"), expected { v($0, "Eyeglasses") })
    // AND binds tighter than OR.
    XCTAssertEqual(
      try paths("Bald OR Smiling AND Male"), expected { v($0, "Bald") || (v($0, "Smiling") && v($0, "Male")) })
    XCTAssertEqual(try paths(""), expected { _ in true })
  }

  func testFieldsSplitsAndGroups() throws {
    XCTAssertEqual(try paths("split = test"), expected { CelebAFixture.split($0) == 2 })
    XCTAssertEqual(
      try paths("split != train AND Smiling"), expected { CelebAFixture.split($0) != 0 && v($0, "Smiling") })
    XCTAssertEqual(try paths("Smiling", split: "val"), expected { CelebAFixture.split($0) == 1 && v($0, "Smiling") })
    XCTAssertEqual(try paths("dataset = celeba AND Young"), expected { v($0, "Young") })
    XCTAssertEqual(try paths("dataset = 'celeba' AND identity = 1003"), expected { 1000 + $0 / 3 == 1003 })
    XCTAssertEqual(
      try paths("hair_color"),
      expected { v($0, "Black_Hair") || v($0, "Blond_Hair") || v($0, "Brown_Hair") || v($0, "Gray_Hair") })
    XCTAssertEqual(try Self.catalog.count("Smiling"), expected { v($0, "Smiling") }.count)
    XCTAssertEqual(try Self.catalog.query("Smiling", limit: 3).count, 3)
  }

  func testErrorsPointAtTheTokenAndSuggest() throws {
    func queryError(_ expression: String) -> QueryError? {
      do {
        _ = try Self.catalog.query(expression)
        return nil
      } catch CatalogError.query(let error) {
        return error
      } catch {
        XCTFail("\(error)")
        return nil
      }
    }
    let misspelled = queryError("Young AND Smilng")
    XCTAssertEqual(misspelled?.column, 11)
    XCTAssertEqual(misspelled?.token, "Smilng")
    XCTAssertEqual(misspelled?.suggestion, "Smiling")
    XCTAssertEqual(misspelled?.description, "query:11: unknown attribute \"Smilng\" (did you mean \"Smiling\"?)")
    XCTAssertEqual(misspelled?.pointer, "Young AND Smilng\n          ^^^^^^")

    XCTAssertEqual(queryError("Blond_Hiar")?.suggestion, "Blond_Hair")
    XCTAssertEqual(queryError("split = tset")?.suggestion, "test")
    XCTAssertEqual(queryError("split = tset")?.column, 9)
    XCTAssertEqual(queryError("dataset = celba")?.suggestion, "celeba")
    XCTAssertNil(queryError("Zzzzzzzzzz")?.suggestion)
    XCTAssertEqual(queryError("(Smiling AND Male")?.message, "missing ')' to close the '(' at column 1")
    XCTAssertEqual(queryError("(Smiling AND Male")?.column, 18)
    XCTAssertEqual(queryError("Smiling Male")?.column, 9)
    XCTAssertEqual(queryError("Smiling AND")?.message, "expected an attribute name, NOT or '(' but the query ended")
    XCTAssertEqual(queryError("Smiling AND )")?.column, 13)
    XCTAssertEqual(queryError("Smiling ; DROP TABLE image")?.column, 9)
    XCTAssertEqual(queryError("Smiling = 'x")?.message, "unterminated quoted value")
    XCTAssertEqual(queryError("Smiling = maybe")?.column, 11)
    XCTAssertEqual(queryError("split")?.message, "split needs a value, e.g. split = …")
  }

  /// A catalog without attributes (only runs recorded, as after `make demo`) says how to add them.
  func testQueryingACatalogWithoutAttributesSaysHowToAddThem() throws {
    let empty = try Catalog.inMemory()
    XCTAssertThrowsError(try empty.query("Smiling AND NOT Male")) {
      XCTAssertTrue("\($0)".contains("no dataset in the catalog has attributes yet") && "\($0)".contains("morph catalog ingest"), "\($0)")
    }
  }

  func testValuesAreBoundNotPasted() throws {
    let catalog = try Catalog.inMemory()
    let name = "x' OR 1=1 --"
    var odd = DatasetAnnotations(name: name, kind: "folder", root: "/odd")
    odd.files = ["a.png"]
    try catalog.ingest(odd)
    var plain = DatasetAnnotations(name: "plain", kind: "folder", root: "/plain")
    plain.files = ["b.png"]
    try catalog.ingest(plain)
    let compiled = try catalog.compile("dataset = \"\(name)\"")
    XCTAssertFalse(compiled.condition.contains("OR 1=1"))
    XCTAssertEqual(try catalog.query("dataset = \"\(name)\"").map(\.path), ["a.png"])
  }

  func testUnknownAttributesOfOtherDatasetsAreNeitherTrueNorFalse() throws {
    let catalog = try Catalog.inMemory()
    try catalog.ingestCelebA(at: Self.fixture.root)
    var other = DatasetAnnotations(name: "pets", kind: "folder", root: "/pets")
    other.attributeNames = ["Fluffy"]
    other.files = ["a.png", "b.png"]
    other.values = [1, -1]
    try catalog.ingest(other)
    XCTAssertEqual(try catalog.query("Fluffy").map(\.path), ["a.png"])
    XCTAssertEqual(try catalog.query("NOT Fluffy").map(\.path), ["b.png"])
    XCTAssertEqual(try catalog.count("NOT Smiling"), expected { !v($0, "Smiling") }.count)
    XCTAssertEqual(try catalog.count("dataset = pets"), 2)
    XCTAssertEqual(try catalog.attributeValue(imageID: catalog.query("Fluffy")[0].id, attribute: "Fluffy"), 1)
  }

  /// More than 62 attributes spill into the second packed word; queries, the view and stats
  /// must agree across both words.
  func testAttributesBeyondTheFirstWord() throws {
    let catalog = try Catalog.inMemory()
    var d = DatasetAnnotations(name: "wide", kind: "folder", root: "/wide")
    d.attributeNames = (0..<70).map { "A\($0)" }
    d.files = (0..<10).map { "f\($0).png" }
    for i in 0..<10 { for a in 0..<70 { d.values.append((i + a) % 3 == 0 ? 1 : (a == 65 && i == 9 ? 0 : -1)) } }
    d.splits = (0..<10).map { $0 < 5 ? 0 : 2 }
    try catalog.ingest(d)
    XCTAssertEqual(try catalog.query("A65").map(\.path), (0..<10).filter { ($0 + 65) % 3 == 0 }.map { "f\($0).png" })
    XCTAssertEqual(
      try catalog.query("A65 OR NOT A1").map(\.path),
      (0..<10).filter { ($0 + 65) % 3 == 0 || ($0 + 1) % 3 != 0 }.map { "f\($0).png" })
    // f9 has A65 unknown: in neither A65 nor NOT A65.
    XCTAssertEqual(try catalog.count("A65") + catalog.count("NOT A65"), 9)
    let f4 = try catalog.query("").first { $0.path == "f4.png" }!.id
    XCTAssertEqual(try catalog.attributeValue(imageID: f4, attribute: "A65"), 1)
    XCTAssertEqual(try catalog.attributeValue(imageID: f4, attribute: "A0"), -1)
    XCTAssertNil(try catalog.attributeValue(imageID: try catalog.query("").last!.id, attribute: "A65"))
    let stats = try catalog.attributeStats().filter { $0.attribute == "A65" }
    XCTAssertEqual(stats.map(\.split), ["train", "test"])
    XCTAssertEqual(stats.map(\.known), [5, 4])
    XCTAssertEqual(
      stats.map(\.positive), [(0..<5).filter { ($0 + 65) % 3 == 0 }.count, (5..<9).filter { ($0 + 65) % 3 == 0 }.count])
  }

  func testSuggester() {
    XCTAssertEqual(NameSuggester.nearest(to: "smling", among: ["Smiling", "Male"]), "Smiling")
    XCTAssertEqual(NameSuggester.nearest(to: "Mael", among: ["Smiling", "Male"]), "Male")
    XCTAssertNil(NameSuggester.nearest(to: "qqqq", among: ["Smiling", "Male"]))
  }

  func testParserStructure() throws {
    XCTAssertEqual(
      try QueryParser.parse("a OR b AND NOT c"),
      .or(.name("a", column: 1), .and(.name("b", column: 6), .not(.name("c", column: 16)))))
  }
}
