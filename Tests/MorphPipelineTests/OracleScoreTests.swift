import Foundation
import MorphCatalog
import XCTest

@testable import MorphPipeline

/// `homointerp.score` with the oracle reads faces as the oracle was trained to: the aligned
/// crop pasted back into its CelebA frame, not the crop stretched over the whole frame.
final class OracleScoreTests: XCTestCase {
  func testOracleReadingsAgreeWithTheLabels() async throws {
    let root = HomoInterpRecipeTests.root
    let oracle = root.appendingPathComponent("Fixtures/models/oracle.safetensors").path
    let checkpoint = root.appendingPathComponent("Fixtures/models/homointerp-demo.safetensors").path
    let faces = root.appendingPathComponent("Fixtures/faces")
    let folder = temporaryFolder(self)
    let yaml = """
      stages:
        - { id: faces, uses: load, with: { folder: \(faces.path)/img_align_celeba } }
        - { id: crop, uses: align, from: faces, with: { mode: celeba-crop, size: 64 } }
        - id: scores
          uses: homointerp.score
          from: crop
          with: { checkpoint: \(checkpoint), oracle: \(oracle), reconstruction: false, prefix: "input." }
      """
    let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "t.yaml"))
    let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    XCTAssertEqual(report.status, .succeeded, report.summary)
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    let readings = try catalog.metrics(runID: report.runID).filter { $0.name.hasPrefix("input.") }

    // The labels: list_attr_celeba.txt (line 2 the names, then one row per image).
    let lines = try String(contentsOf: faces.appendingPathComponent("list_attr_celeba.txt"), encoding: .utf8)
      .split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    let names = lines[1]
    var labels: [String: [String: Bool]] = [:]
    for row in lines.dropFirst(2) where row.count == names.count + 1 {
      labels[row[0]] = Dictionary(uniqueKeysWithValues: zip(names, row.dropFirst().map { $0 == "1" }))
    }
    var (agree, total) = (0, 0)
    for m in readings {
      guard let item = m.item, let label = labels[item]?[String(m.name.dropFirst("input.".count))] else { continue }
      total += 1
      if (m.value >= 0.5) == label { agree += 1 }
    }
    XCTAssertGreaterThanOrEqual(total, 8 * 15, "readings for the oracle's attributes on every face")
    let agreement = Double(agree) / Double(max(1, total))
    // The oracle reads ≥ 0.99 of held-out frames right (oracle.json); 64 px crops cost a little.
    XCTAssertGreaterThanOrEqual(agreement, 0.95, "oracle readings agree with the labels on \(agree) of \(total)")
  }
}
