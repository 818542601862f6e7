import MorphModels
import XCTest

final class AttributeGroupTests: XCTestCase {
  func testNineDefaultGroupsCoverDistinctAttributes() {
    let groups = AttributeGroup.defaultGroups
    XCTAssertEqual(groups.count, 9)
    let all = groups.flatMap(\.attributes)
    XCTAssertEqual(Set(all).count, all.count, "an attribute belongs to one group only")
  }
}
