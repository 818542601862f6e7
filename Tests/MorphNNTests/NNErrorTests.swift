import MorphNN
import XCTest

final class NNErrorTests: XCTestCase {
  func testShapeMismatchNamesKeyAndBothShapes() {
    let text = NNError.shapeMismatch(key: "features.0.weight", expected: [64, 3, 3, 3], found: [32, 3, 3, 3])
      .description
    XCTAssertTrue(text.contains("features.0.weight") && text.contains("[64, 3, 3, 3]") && text.contains("[32, 3, 3, 3]"))
  }
}
