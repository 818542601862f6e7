import Crypto
import MorphCatalog
import MorphImaging
import MorphPipeline
import XCTest

/// The shipped imaging recipes, end to end on generated images, recorded in a catalog.
final class ImagingRecipeTests: XCTestCase {
  var folder: URL!

  override func setUp() {
    folder = temporaryFolder(self)
  }

  /// Writes `count` small gradient "faces" (different sizes) and, optionally, one corrupt JPEG.
  func makeImages(count: Int, corrupt: Bool = false) throws -> URL {
    let faces = folder.appendingPathComponent("faces")
    try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
    for n in 0..<count {
      let width = 60 + 7 * n, height = 50 + 3 * n
      var pixels = [UInt8](repeating: 0, count: width * height * 3)
      for y in 0..<height {
        for x in 0..<width {
          let i = (y * width + x) * 3
          pixels[i] = UInt8((x * 255) / width)
          pixels[i + 1] = UInt8((y * 255) / height)
          pixels[i + 2] = UInt8((n * 40) % 256)
        }
      }
      try VipsImage(pixels: pixels, width: width, height: height).save(to: faces.appendingPathComponent("face\(n).png"))
    }
    if corrupt { try Data([0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3]).write(to: faces.appendingPathComponent("zz-broken.jpg")) }
    return faces
  }

  var pipelines: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("pipelines")
  }

  func run(_ recipe: String, _ overrides: [String]) async throws -> RunReport {
    let graph = try PipelineRun.load(pipelines.appendingPathComponent(recipe), overrides: overrides)
    return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
  }

  func testDemoWritesLabelledSheetRecordsRunAndReportsCorruptImage() async throws {
    _ = try makeImages(count: 5, corrupt: true)
    let report = try await run("demo.yaml", ["input=faces", "output=out/demo", "size=48"])
    XCTAssertEqual(report.status, .failed, "one corrupt image fails its item")
    XCTAssertEqual(report.itemCount, 6)
    XCTAssertEqual(report.outcome.failures.map(\.item), ["zz-broken.jpg"])
    let sheetURL = folder.appendingPathComponent("out/demo/sheet.png")
    let sheet = try VipsImage.load(sheetURL)
    XCTAssertGreaterThan(sheet.width, 3 * 48)
    XCTAssertTrue(report.summary.contains("out/demo/sheet.png"), report.summary)
    XCTAssertTrue(report.summary.contains("zz-broken.jpg"), report.summary)

    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    let record = try catalog.run(id: report.runID)
    XCTAssertEqual(record.status, .failed)
    XCTAssertEqual(record.itemCount, 6)
    XCTAssertEqual(record.recipeName, "demo")
    XCTAssertEqual(record.recipeHash, SHA256.hex(record.recipeText))
    XCTAssertNotNil(record.endedAt)
    XCTAssertTrue(record.parametersJSON.contains("\"size\":48"), record.parametersJSON)
    let artifacts = try catalog.artifacts(runID: report.runID)
    XCTAssertEqual(artifacts.map(\.path), [sheetURL.standardizedFileURL.path])
    XCTAssertEqual(artifacts.first?.sha256, try SHA256.hex(fileAt: sheetURL))
    let failed = try catalog.stageResults(runID: report.runID).filter { $0.status == .failed }
    XCTAssertEqual(failed.map(\.item), ["zz-broken.jpg"])
    XCTAssertTrue(failed.first?.error?.contains("zz-broken.jpg") ?? false)

    // Fixing the input: only the new item runs, and the sheet is rebuilt.
    try FileManager.default.removeItem(at: folder.appendingPathComponent("faces/zz-broken.jpg"))
    let again = try await run("demo.yaml", ["input=faces", "output=out/demo", "size=48"])
    XCTAssertEqual(again.status, .succeeded)
    let crop = again.outcome.stages.first { $0.stage == "crop" }
    XCTAssertEqual(crop?.done, 0)
    let explanation = try RunExplanation.explain(runID: again.runID, item: "face1.png", in: catalog)
    XCTAssertTrue(explanation.contains("already cached"), explanation)
    let firstExplanation = try RunExplanation.explain(runID: report.runID, item: "zz-broken.jpg", in: catalog)
    XCTAssertTrue(firstExplanation.contains("faces: FAILED"), firstExplanation)
  }

  func testPrepareFolderRunsThenIsFullyCached() async throws {
    _ = try makeImages(count: 4)
    let overrides = ["input=faces", "output=out/prep", "size=40"]
    let first = try await run("prepare-folder.yaml", overrides)
    XCTAssertEqual(first.status, .succeeded, first.summary)
    let crops = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("out/prep/crops").path)
    XCTAssertEqual(crops.sorted(), ["face0.png", "face1.png", "face2.png", "face3.png"])
    let crop = try VipsImage.load(folder.appendingPathComponent("out/prep/crops/face2.png"))
    XCTAssertEqual([crop.width, crop.height], [40, 40])
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/prep/preview.png").path))

    let second = try await run("prepare-folder.yaml", overrides)
    XCTAssertEqual(second.status, .succeeded)
    XCTAssertEqual(second.outcome.stages.map(\.done), [0, 0, 0, 0, 0, 0], second.summary)
    XCTAssertEqual(second.outcome.outputs.count, 5, "cached outputs are still listed")

    // A deleted output is rewritten; nothing upstream of it runs.
    try FileManager.default.removeItem(at: folder.appendingPathComponent("out/prep/crops/face1.png"))
    let third = try await run("prepare-folder.yaml", overrides)
    // (The jittered crop comes from the cache: not even the photo is loaded again.)
    XCTAssertEqual(third.outcome.stages.map(\.done), [0, 0, 0, 1, 0, 0], third.summary)
  }

  func testPreprocessStageMakesSeededTrainingTensors() async throws {
    _ = try makeImages(count: 3)
    let yaml = """
      stages:
        - { id: t, uses: preprocess, with: { folder: faces, size: 16, mode: centre-crop, seed: 3 } }
        - { id: z, uses: to-tensor, from: crop }
        - { id: crop, uses: align, from: photos, with: { size: 16 } }
        - { id: photos, uses: load, with: { folder: faces } }
      """
    let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "p.yaml"))
    XCTAssertEqual(graph.stages.map(\.id), ["t", "photos", "crop", "z"], "stages run in dependency order")
    let cache = ContentCache(root: folder.appendingPathComponent("cache"))
    let plan = try Planner(cache: cache, baseDirectory: folder).plan(graph)
    let outcome = await Scheduler(plan: plan, cache: cache, baseDirectory: folder).run()
    XCTAssertEqual(outcome.status, .succeeded, "\(outcome.failures)")
    XCTAssertEqual(outcome.stages.map(\.done), [3, 3, 3, 3])
    // The `to-tensor` results are cached as Float32 files of shape 3×16×16.
    guard let key = plan.stage("z")?.items.first?.key, case .tensor(let shape, let data)? = cache.load(key) else {
      return XCTFail("no cached tensor")
    }
    XCTAssertEqual(shape, [3, 16, 16])
    XCTAssertEqual(data.count, 768)
  }

  func testAnimateWritesOneLoopingGIFOfAllItems() async throws {
    _ = try makeImages(count: 3)
    let yaml = """
      stages:
        - { id: photos, uses: load, with: { folder: faces } }
        - { id: crop, uses: align, from: photos, with: { size: 24 } }
        - { id: movie, uses: animate, from: crop, with: { path: out/anim.gif, delay_ms: 50, ping_pong: true } }
      """
    let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "a.yaml"))
    let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    XCTAssertEqual(report.status, .succeeded, report.summary)
    let gif = folder.appendingPathComponent("out/anim.gif")
    XCTAssertEqual(report.outcome.outputs.map(\.path), [gif.path])
    let frames = try VipsImage.loadAllPages(gif)
    XCTAssertEqual(frames.pageCount, 4, "3 frames ping-pong: 0 1 2 1")
  }

  func testMissingInputFolderIsOneClearError() async throws {
    do {
      _ = try await run("demo.yaml", ["input=nowhere"])
      XCTFail("expected an error")
    } catch {
      XCTAssertEqual("\(error)", "stage faces: input folder nowhere does not exist")
    }
  }
}
