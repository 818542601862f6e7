import Foundation
import MorphCatalog
import MorphModels
import XCTest

@testable import MorphPipeline

/// `pipelines/encode-dataset.yaml` then translate-folder with a prototype reference: the two
/// commands the README gives, in order, on a fresh catalog.
final class EncodeDatasetRecipeTests: XCTestCase {
  func testEncodeDatasetThenPrototypeEdit() async throws {
    let folder = temporaryFolder(self)
    let root = HomoInterpRecipeTests.root
    try FileManager.default.copyItem(at: root.appendingPathComponent("Fixtures/faces"), to: folder.appendingPathComponent("celeba"))
    let checkpoint = folder.appendingPathComponent("models/tiny.safetensors")
    try HomoInterpModel(config: .tiny(groups: HomoInterpRecipeTests.groups), seed: 2).save(to: checkpoint, metadata: [:])
    func run(_ recipe: String, _ overrides: [String]) async throws -> RunReport {
      let graph = try PipelineRun.load(root.appendingPathComponent("pipelines/\(recipe)"), overrides: overrides)
      return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    }
    // Before encoding, the prototype edit has no latents to average.
    let tooEarly = try await run(
      "translate-folder.yaml",
      ["input=celeba/img_align_celeba", "checkpoint=\(checkpoint.path)", "size=32", "reference=", "prototype=Smiling", "output=out/early"])
    XCTAssertNotEqual(tooEarly.status, .succeeded)

    let encoded = try await run("encode-dataset.yaml", ["root=celeba", "checkpoint=\(checkpoint.path)", "size=32"])
    XCTAssertEqual(encoded.status, .succeeded, encoded.summary)
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    XCTAssertEqual(try catalog.summary().latents, 8)
    let prototype = try catalog.attributePrototype("Smiling", model: "tiny")
    XCTAssertGreaterThan(prototype.withCount, 0, "the labels came in with the faces")
    XCTAssertGreaterThan(prototype.withoutCount, 0)

    let edited = try await run(
      "translate-folder.yaml",
      [
        "input=celeba/img_align_celeba", "checkpoint=\(checkpoint.path)", "size=32", "reference=", "prototype=Smiling",
        "output=out/proto", "detail_size=48", "frames=2", "sweep=0, 1",
      ])
    XCTAssertEqual(edited.status, .succeeded, edited.summary)
    let written = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out/proto/edited").path)
    XCTAssertEqual(written.count, 8)
  }
}
