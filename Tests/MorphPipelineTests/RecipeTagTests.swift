import MorphPipeline
import XCTest

/// YAML tags are refused: a recipe's values are literal text.
final class RecipeTagTests: XCTestCase {
  func testUnknownTagIsAnErrorAtItsLine() {
    let yaml = """
      name: t
      stages:
        - id: photos
          uses: load
          with:
            folder: !include /etc/passwd
      """
    XCTAssertThrowsError(try RecipeParser.parse(yaml, file: "r.yaml")) { error in
      XCTAssertTrue("\(error)".hasPrefix("r.yaml:6:"), "\(error)")
      XCTAssertTrue("\(error)".contains("unknown YAML tag `!include`"), "\(error)")
    }
    // Plain values and the core schema's own tags are fine.
    XCTAssertNoThrow(try RecipeParser.parse("stages:\n  - { id: a, uses: load, with: { folder: !!str x } }\n", file: "r.yaml"))
  }
}
