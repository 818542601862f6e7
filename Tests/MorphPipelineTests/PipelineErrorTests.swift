import MorphPipeline
import XCTest

final class PipelineErrorTests: XCTestCase {
  func testRecipeErrorShowsFileLineColumn() {
    XCTAssertEqual(
      PipelineError.recipe(file: "demo.yaml", line: 3, column: 5, message: "unknown stage").description,
      "demo.yaml:3:5: unknown stage")
  }
}
