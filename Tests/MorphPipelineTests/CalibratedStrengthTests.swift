import Foundation
import MorphCatalog
import MorphModels
import XCTest

@testable import MorphPipeline

/// `strength.GROUP: p=…` / `delta=…` in `homointerp.interpolate`: solved per face, recorded in
/// the catalog, unreachable targets said so, bad targets and groups refused by `morph validate`.
final class CalibratedStrengthTests: XCTestCase {
  static let root = HomoInterpRecipeTests.root
  let checkpoint = root.appendingPathComponent("Fixtures/models/homointerp-demo.safetensors").path
  let oracle = root.appendingPathComponent("Fixtures/models/oracle.safetensors").path
  let faces = root.appendingPathComponent("Fixtures/faces/img_align_celeba").path

  func recipe(_ with: String, count: Int = 3) -> String {
    """
    stages:
      - { id: faces, uses: load, with: { folder: \(faces), limit: \(count) } }
      - { id: crop, uses: align, from: faces, with: { mode: celeba-crop, size: 64 } }
      - { id: latents, uses: homointerp.encode, from: crop, with: { checkpoint: \(checkpoint), store: false } }
      - id: moved
        uses: homointerp.interpolate
        from: latents
        with: { checkpoint: \(checkpoint), reference: \(faces)/000002.jpg, \(with) }
    """
  }

  func run(_ with: String, count: Int = 3) async throws -> (RunReport, [MetricRecord]) {
    let folder = temporaryFolder(self)
    let graph = try RecipeValidator().validate(RecipeParser.parse(recipe(with, count: count), file: "c.yaml"))
    let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    return (report, try catalog.metrics(runID: report.runID))
  }

  func testTheOracleJudgeReachesTheTargetAndEachFaceIsRecorded() async throws {
    let (report, metrics) = try await run("strength.expression: \"p=0.7\", oracle: \(oracle)")
    XCTAssertEqual(report.status, .succeeded, report.summary)
    let byItem = Dictionary(grouping: metrics.filter { $0.name.hasPrefix("calibration.expression.") }, by: { $0.item ?? "" })
    XCTAssertEqual(byItem.count, 3, "\(metrics.map(\.name))")
    for (item, records) in byItem {
      let value = Dictionary(uniqueKeysWithValues: records.map { ($0.name, $0.value) })
      XCTAssertEqual(value["calibration.expression.target"], 0.7, item)
      let strength = try XCTUnwrap(value["calibration.expression.strength"])
      XCTAssertTrue((0...2).contains(strength))
      if value["calibration.expression.reachable"] == 1 {
        XCTAssertEqual(try XCTUnwrap(value["calibration.expression.reading"]), 0.7, accuracy: 0.005, item)
      } else {
        XCTAssertGreaterThan(abs((value["calibration.expression.reading"] ?? 0) - 0.7), 0.004, item)
      }
    }
  }

  func testAnUnreachableTargetFailsTheFaceWhenAsked() async throws {
    // The critic's heads read the source face at ~0.0x and the reference's smile no higher
    // than ~0.9: 0.999 is out of reach for every face.
    let (report, metrics) = try await run("strength.expression: \"p=0.999\", unreachable: fail", count: 2)
    XCTAssertEqual(report.status, .failed)
    let messages = report.outcome.failures.map(\.message)
    XCTAssertEqual(messages.count, 2, report.summary)
    for message in messages {
      XCTAssertTrue(message.contains("expression: target") && message.contains("out of reach within v ∈ [0, 2]"), message)
    }
    XCTAssertTrue(metrics.filter { $0.name.hasPrefix("calibration.") }.isEmpty)
    let (nearest, recorded) = try await run("strength.expression: \"p=0.999\"", count: 2)
    XCTAssertEqual(nearest.status, .succeeded, nearest.summary)
    XCTAssertEqual(recorded.filter { $0.name == "calibration.expression.reachable" }.map(\.value), [0, 0])
  }

  func testValidateRefusesBadTargetsAndUnknownGroupsWithTheirLine() throws {
    func error(_ with: String) -> String {
      do {
        _ = try RecipeValidator().validate(RecipeParser.parse(recipe(with), file: "c.yaml"))
        return "valid"
      } catch { return "\(error)" }
    }
    // The value's column depends on the fixture paths written before it on the line.
    let line8 = recipe("strength.age: \"p=1.2\"").split(separator: "\n", omittingEmptySubsequences: false)[7]
    let column = (line8.range(of: "\"p=1.2\"").map { line8.distance(from: line8.startIndex, to: $0.lowerBound) } ?? -1) + 1
    XCTAssertEqual(
      error("strength.age: \"p=1.2\""),
      "c.yaml:8:\(column): parameter `strength.age` of `homointerp.interpolate`: target probability p=1.2 is outside (0, 1): "
        + "give a value between 0 and 1, e.g. p=0.9")
    XCTAssertTrue(error("strength.freckles: \"p=0\"").contains("parameter `strength.freckles` of `homointerp.interpolate`: target probability p=0"))
    XCTAssertTrue(
      error("strength.freckles: \"p=0.5\"").hasPrefix(
        "c.yaml:6:11: stage `moved` (homointerp.interpolate): strength.freckles: the checkpoint has no attribute group `freckles`"),
      error("strength.freckles: \"p=0.5\""))
    XCTAssertTrue(error("strength.face_shape: 1").contains("the checkpoint has no attribute group `face_shape`"))
    XCTAssertTrue(error("strengths: \"agge=p=0.5\"").contains("no attribute group `agge` (did you mean `age`?)"))
    XCTAssertTrue(error("strengths: \"age=p=2\"").contains("age: target probability p=2 is outside (0, 1)"))
    XCTAssertEqual(error("strength.age: \"delta=+0.3\", strength.skin: 0.5"), "valid")
  }

  /// A group added by `morph train branch` is `strength.NAME` in any recipe, fixed or calibrated.
  func testAnAddedGroupIsAStrengthParameter() async throws {
    let folder = temporaryFolder(self)
    let base = HomoInterpModel(config: .tiny(groups: HomoInterpRecipeTests.groups), seed: 2)
    let model = try base.addingGroup(AttributeGroup(name: "Freckles", attributes: ["Freckles"]), seed: 3)
    let url = folder.appendingPathComponent("grown.safetensors")
    try model.save(to: url, metadata: [:])
    func report(_ strength: String) async throws -> RunReport {
      let yaml = """
        stages:
          - { id: faces, uses: load, with: { folder: \(faces), limit: 2 } }
          - { id: crop, uses: align, from: faces, with: { mode: celeba-crop, size: 32 } }
          - { id: latents, uses: homointerp.encode, from: crop, with: { checkpoint: \(url.path), store: false } }
          - id: moved
            uses: homointerp.interpolate
            from: latents
            with: { checkpoint: \(url.path), reference: \(faces)/000002.jpg, strength.Freckles: "\(strength)" }
        """
      let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "g.yaml"))
      return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    }
    let fixed = try await report("0.8")
    XCTAssertEqual(fixed.status, .succeeded, fixed.summary)
    let calibrated = try await report("delta=+0.05")
    XCTAssertEqual(calibrated.status, .succeeded, calibrated.summary)
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    XCTAssertEqual(try catalog.metrics(runID: calibrated.runID).filter { $0.name == "calibration.Freckles.target" }.count, 2)
  }
}
