import MorphCatalog
import MorphImaging
import MorphPipeline
import XCTest

/// The catalog stages and recipes on a generated CelebA-shaped folder.
final class CatalogRecipeTests: XCTestCase {
  var folder: URL!

  override func setUp() {
    folder = temporaryFolder(self)
  }

  /// Six 178×218 images; images 0, 2, 4 are Smiling, 0 and 1 are Male.
  func makeCelebA() throws {
    let root = folder.appendingPathComponent("celeba")
    let images = root.appendingPathComponent("img_align_celeba")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    var rows: [String] = []
    var partitions: [String] = []
    for n in 0..<6 {
      let name = String(format: "%06d.jpg", n + 1)
      let pixels = [UInt8](repeating: UInt8(30 + n * 35), count: 178 * 218 * 3)
      try VipsImage(pixels: pixels, width: 178, height: 218).save(to: images.appendingPathComponent(name))
      let values = CelebAFormat.attributeNames.map { attribute -> String in
        switch attribute {
        case "Smiling": return n % 2 == 0 ? "1" : "-1"
        case "Male": return n < 2 ? "1" : "-1"
        default: return "-1"
        }
      }
      rows.append(([name] + values).joined(separator: " "))
      partitions.append("\(name) \(n < 4 ? 0 : 2)")
    }
    let attr = ["6", CelebAFormat.attributeNames.joined(separator: " ")] + rows
    try (attr.joined(separator: "\n") + "\n").write(
      to: root.appendingPathComponent("list_attr_celeba.txt"), atomically: true, encoding: .utf8)
    try (partitions.joined(separator: "\n") + "\n").write(
      to: root.appendingPathComponent("list_eval_partition.txt"), atomically: true, encoding: .utf8)
  }

  var pipelines: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("pipelines")
  }

  func run(_ recipe: String, _ overrides: [String]) async throws -> RunReport {
    let graph = try PipelineRun.load(pipelines.appendingPathComponent(recipe), overrides: overrides)
    return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
  }

  func testIngestThenSelectPreviewThenLatents() async throws {
    try makeCelebA()
    let ingest = try await run("ingest-celeba.yaml", ["root=celeba"])
    XCTAssertEqual(ingest.status, .succeeded, ingest.summary)
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    XCTAssertEqual(try catalog.count("Smiling"), 3)
    let metrics = try catalog.metrics(runID: ingest.runID)
    XCTAssertEqual(metrics.first { $0.name == "ingest.images" }?.value, 6)
    XCTAssertEqual(metrics.first { $0.name == "ingest.attributes" }?.value, 40)

    // Unchanged files: the ingest is not repeated.
    let again = try await run("ingest-celeba.yaml", ["root=celeba"])
    XCTAssertEqual(again.outcome.stages.first { $0.stage == "dataset" }?.cached, 1, again.summary)

    let preview = try await run("select-preview.yaml", ["query=Smiling AND NOT Male", "size=32"])
    XCTAssertEqual(preview.status, .succeeded, preview.summary)
    XCTAssertEqual(preview.outcome.stages.first { $0.stage == "crop" }?.done, 2)
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/select/sheet.png").path))

    // Latents: image tensors stored under a model name (a test stage turns tensors into latents).
    var registry = StageRegistry.builtIn
    registry.register(
      StageDescriptor(name: "as-latents", summary: "test", shape: .map, input: .tensors, output: .latents, cacheable: false) { _ in
        .map { items in items.map { .success($0.payload) } }
      })
    let yaml = """
      stages:
        - { id: faces, uses: select, with: { query: Male } }
        - { id: crop, uses: align, from: faces, with: { mode: celeba-crop, size: 8 } }
        - { id: t, uses: to-tensor, from: crop }
        - { id: z, uses: as-latents, from: t }
        - { id: store, uses: write-latents, from: z, with: { model: pixels, dtype: float32 } }
      """
    let graph = try RecipeValidator(registry: registry).validate(RecipeParser.parse(yaml, file: "latents.yaml"))
    let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    XCTAssertEqual(report.status, .succeeded, report.summary)
    let male = try catalog.query("Male")
    XCTAssertEqual(male.count, 2)
    let latent = try catalog.latent(imageID: male[0].id, model: "pixels")
    XCTAssertEqual(latent?.shape, [3, 8, 8])
  }
}

/// `morph runs diff`: parameters and metrics of two runs side by side.
final class RunComparisonTests: XCTestCase {
  func testDiffShowsChangedParametersAndMetrics() async throws {
    let folder = temporaryFolder(self)
    let yaml = """
      params: { n: 4 }
      stages:
        - { id: numbers, uses: sequence, with: { count: "${params.n}" } }
        - { id: m, uses: write-metrics, from: numbers }
      """
    func run(_ overrides: [String]) async throws -> RunReport {
      let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "m.yaml"), overrides: overrides)
      return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    }
    let a = try await run([]), b = try await run(["n=6"])
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    let text = try RunComparison.diff(a.runID, b.runID, in: catalog)
    XCTAssertTrue(text.contains("n: 4 → 6"), text)
    XCTAssertTrue(text.contains("numbers.count: 4 → 6"), text)
    XCTAssertTrue(text.contains("items          4  →  6"), text)
    XCTAssertTrue(text.contains("index [m]: 1.5 → 2.5"), text)
  }
}
