import MorphCatalog
import XCTest

final class AttributeGroupTests: XCTestCase {
  func testDefaultsAreTheNineGroupsOfTheDesign() throws {
    let groups = try Catalog.inMemory().attributeGroups()
    XCTAssertEqual(groups, DefaultAttributeGroups.all)
    XCTAssertEqual(groups.map(\.name).count, 9)
    XCTAssertEqual(groups.flatMap(\.attributes).count, 2 + 5 + 4 + 3 + 1 + 4 + 7 + 2 + 3)
    XCTAssertEqual(groups[4], CatalogAttributeGroup(name: "age", attributes: ["Young"]))
  }

  func testReplacingGroupsIsValidatedAndUsedByQueries() throws {
    let catalog = try Catalog.inMemory()
    var d = DatasetAnnotations(name: "d", kind: "folder", root: "/d")
    d.attributeNames = ["Hat", "Scarf", "Smiling"]
    d.files = ["a.png", "b.png", "c.png"]
    d.values = [1, -1, -1, /**/ -1, 1, -1, /**/ -1, -1, 1]
    try catalog.ingest(d)
    XCTAssertThrowsError(
      try catalog.setAttributeGroups([
        CatalogAttributeGroup(name: "wear", attributes: ["Hat"]), CatalogAttributeGroup(name: "wear", attributes: []),
      ]))
    XCTAssertThrowsError(
      try catalog.setAttributeGroups([
        CatalogAttributeGroup(name: "x", attributes: ["Hat"]), CatalogAttributeGroup(name: "y", attributes: ["Hat"]),
      ])
    ) { error in
      XCTAssertEqual("\(error)", "attribute Hat is in both groups x and y")
    }
    XCTAssertEqual(try catalog.attributeGroups(), DefaultAttributeGroups.all, "a rejected change must not apply")
    let wear = CatalogAttributeGroup(name: "wear", attributes: ["Hat", "Scarf"])
    try catalog.setAttributeGroups([wear])
    XCTAssertEqual(try catalog.attributeGroups(), [wear])
    XCTAssertEqual(try catalog.query("wear").map(\.path), ["a.png", "b.png"])
    XCTAssertEqual(try catalog.query("NOT wear").map(\.path), ["c.png"])
    XCTAssertEqual(try catalog.attributes().map(\.groups), [["wear"], ["wear"], []])
  }
}
