import MorphCatalog
import XCTest

final class CatalogLocationTests: XCTestCase {
  func testDefaultPathIsUnderDotMorph() {
    XCTAssertTrue(CatalogLocation.resolve(nil).path.hasSuffix(".morph/catalog.sqlite"))
  }
}
