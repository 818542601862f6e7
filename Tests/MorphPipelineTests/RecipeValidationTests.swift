import MorphPipeline
import XCTest

/// Every validation error names file:line:column and, where one is close, the nearest name.
final class RecipeValidationTests: XCTestCase {
  func validate(_ yaml: String, overrides: [String] = []) throws -> PipelineGraph {
    try RecipeValidator().validate(RecipeParser.parse(yaml, file: "r.yaml"), overrides: overrides)
  }

  /// Asserts that validating `yaml` fails with a message starting `r.yaml:LINE:COL:` and containing `text`.
  func assertError(_ yaml: String, _ location: String, _ text: String, overrides: [String] = [], line: UInt = #line) {
    XCTAssertThrowsError(try validate(yaml, overrides: overrides), line: line) { error in
      let message = "\(error)"
      XCTAssertTrue(message.hasPrefix("r.yaml:\(location): "), message, line: line)
      XCTAssertTrue(message.contains(text), message, line: line)
    }
  }

  let good = """
    name: t
    params:
      n: 5
    stages:
      - id: numbers
        uses: sequence
        with: { count: "${params.n}" }
      - id: slow
        uses: delay
        from: numbers
        with:
          ms: 0
    """

  func testGoodRecipeValidatesWithDefaultsAndSubstitution() throws {
    let graph = try validate(good)
    XCTAssertEqual(graph.stages.map(\.id), ["numbers", "slow"])
    XCTAssertEqual(graph.stage("numbers")?.parameters["count"], .int(5))
    XCTAssertEqual(graph.stage("slow")?.parameters["ms"], .int(0))
    XCTAssertEqual(try validate(good, overrides: ["n=7"]).stage("numbers")?.parameters["count"], .int(7))
    XCTAssertEqual(try validate(good, overrides: ["slow.ms=3"]).stage("slow")?.parameters["ms"], .int(3))
  }

  func testUnknownStageSuggestsNearest() {
    assertError(good.replacingOccurrences(of: "uses: delay", with: "uses: dealy"), "9:11", "unknown stage `dealy` (did you mean `delay`?)")
  }

  func testUnknownParameterSuggestsNearest() {
    assertError(good.replacingOccurrences(of: "ms: 0", with: "msec: 0"), "12:7", "has no parameter `msec` (did you mean `ms`?)")
  }

  func testMistypedParameter() {
    assertError(good.replacingOccurrences(of: "ms: 0", with: "ms: soon"), "12:11", "`ms` of `delay` must be an integer, not `soon`")
  }

  func testMissingRequiredParameter() {
    assertError(good.replacingOccurrences(of: "with: { count: \"${params.n}\" }", with: ""), "6:11", "needs parameter `count`")
  }

  func testUnknownRecipeParameterReference() {
    assertError(good.replacingOccurrences(of: "params.n}", with: "params.m}"), "7:20", "unknown recipe parameter `m` (did you mean `n`?)")
  }

  func testDanglingFrom() {
    assertError(good.replacingOccurrences(of: "from: numbers", with: "from: numbrs"), "10:11", "`from: numbrs` names no stage (did you mean `numbers`?)")
  }

  func testMissingFrom() {
    assertError(good.replacingOccurrences(of: "    from: numbers\n", with: ""), "9:11", "needs `from:`")
  }

  func testCycle() {
    let yaml = """
      stages:
        - id: a
          uses: pass
          from: c
        - id: b
          uses: pass
          from: a
        - id: c
          uses: pass
          from: b
      """
    assertError(yaml, "4:11", "stages form a cycle")
  }

  func testKindMismatchBetweenStages() {
    let yaml = """
      stages:
        - id: numbers
          uses: sequence
          with: { count: 3 }
        - id: crop
          uses: align
          from: numbers
      """
    assertError(yaml, "7:11", "stage `numbers` outputs records but `crop` (align) takes images")
  }

  func testDuplicateIDAndUnknownKeys() {
    assertError(good.replacingOccurrences(of: "id: slow", with: "id: numbers"), "8:9", "duplicate stage id `numbers` (first used at line 5)")
    assertError(good.replacingOccurrences(of: "params:", with: "parms:"), "2:1", "unknown key `parms` (did you mean `params`?)")
    assertError(good.replacingOccurrences(of: "from: numbers", with: "form: numbers"), "10:5", "unknown stage key `form` (did you mean `from`?)")
  }

  func testYAMLSyntaxErrorHasPosition() {
    assertError("stages:\n  - id: a\n    uses: [pass\n", "4:1", "YAML syntax")
  }

  func testSourceWithFromAndRetriesOnNonRetryable() {
    assertError(good.replacingOccurrences(of: "uses: sequence", with: "uses: sequence\n    from: slow"), "7:11", "source stage")
    assertError(good.replacingOccurrences(of: "ms: 0", with: "ms: 0\n    retries: 2"), "13:14", "not retryable")
  }

  func testOverrideErrors() {
    XCTAssertThrowsError(try validate(good, overrides: ["m=3"])) { XCTAssertTrue("\($0)".contains("did you mean `n`?"), "\($0)") }
    XCTAssertThrowsError(try validate(good, overrides: ["n=lots"])) { XCTAssertTrue("\($0)".contains("`n` must be an integer, not `lots`"), "\($0)") }
    XCTAssertThrowsError(try validate(good, overrides: ["slow.mss=3"])) { XCTAssertTrue("\($0)".contains("did you mean `ms`?"), "\($0)") }
  }

  /// Values out of a parameter's declared range are refused by validation at their own
  /// line:column (they used to pass and fail at run time without a position).
  func testOutOfRangeValuesAreRefusedWithTheirPosition() {
    let recipe = """
      stages:
        - id: photos
          uses: load
          with:
            folder: faces
            max_pixels: 64000000
        - id: crop
          uses: align
          from: photos
          with:
            size: 128
        - id: out
          uses: save
          from: crop
          with:
            folder: out
            quality: 90
      """
    XCTAssertNoThrow(try validate(recipe))
    assertError(recipe.replacingOccurrences(of: "size: 128", with: "size: -5"), "11:13", "parameter `size` of `align`: must be within 8…4096, got -5")
    assertError(recipe.replacingOccurrences(of: "size: 128", with: "size: 30000"), "11:13", "must be within 8…4096, got 30000")
    assertError(recipe.replacingOccurrences(of: "quality: 90", with: "quality: 100000"), "17:16", "parameter `quality` of `save`: must be within 1…100, got 100000")
    assertError(recipe.replacingOccurrences(of: "max_pixels: 64000000", with: "max_pixels: -1"), "6:19", "parameter `max_pixels` of `load`: must be at least 1, got -1")
    assertError(recipe.replacingOccurrences(of: "quality: 90", with: "format: gif"), "17:15", "must be one of png, jpg, webp or tif, got gif")
    // Through a recipe parameter: the error points at where the parameter is set.
    let indirect = "params:\n  side: -5\n" + recipe.replacingOccurrences(of: "size: 128", with: "size: ${params.side}")
    assertError(indirect, "2:3", "must be within 8…4096, got -5 (recipe parameter `side`, used by stage `crop` at line 13)")
    // Given with --set, it is reported where it is used.
    assertError(
      indirect.replacingOccurrences(of: "side: -5", with: "side: 64"), "13:13", "parameter `size` of `align`: must be within 8…4096, got 0",
      overrides: ["side=0"])
    XCTAssertThrowsError(try validate(recipe, overrides: ["crop.size=9999"])) {
      XCTAssertTrue("\($0)".contains("must be within 8…4096, got 9999"), "\($0)")
    }
  }

  /// Every built-in stage's defaults lie in the ranges it declares (a default out of range
  /// would make every recipe that omits the parameter fail validation).
  func testEveryDefaultIsInItsRange() {
    for descriptor in StageRegistry.builtIn.names.compactMap({ StageRegistry.builtIn[$0] }) {
      for spec in descriptor.parameters {
        guard let value = spec.defaultValue, let range = spec.range else { continue }
        XCTAssertNil(range.problem(value), "\(descriptor.name).\(spec.name)")
      }
    }
  }

  func testEveryShippedRecipeValidates() throws {
    let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("pipelines")
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".yaml") }
    XCTAssertFalse(files.isEmpty)
    for file in files {
      XCTAssertNoThrow(try PipelineRun.load(folder.appendingPathComponent(file)), file)
    }
  }
}
