import GRDB
import MorphCatalog
import MorphImaging
import MorphPipeline
import XCTest

/// What a rerun records: each (stage, item) once, however the cached items reach a stage.
final class RunBookkeepingTests: XCTestCase {
  var folder: URL!

  override func setUp() { folder = temporaryFolder(self) }

  func addFace(_ n: Int) throws {
    let faces = folder.appendingPathComponent("faces")
    try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
    let pixels = (0..<(40 * 36 * 3)).map { UInt8(($0 * (n + 2)) % 256) }
    try VipsImage(pixels: pixels, width: 40, height: 36).save(to: faces.appendingPathComponent("face\(n).png"))
  }

  /// A new photo makes the preview sheet (a reduction over every crop) run again, so every
  /// jittered crop is sent on — also to `save`, which had them cached. They were recorded
  /// twice (issue 40: "crops done 2153 cached 1694" for 3,000 items).
  func testCachedItemsReachingAStageAgainAreRecordedOnce() async throws {
    for n in 0..<3 { try addFace(n) }
    let recipe = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent().appendingPathComponent("pipelines/prepare-folder.yaml")
    let overrides = ["input=faces", "output=out", "size=24"]
    func run() async throws -> RunReport {
      let graph = try PipelineRun.load(recipe, overrides: overrides)
      return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    }
    let first = try await run()
    XCTAssertEqual(first.status, .succeeded, first.summary)
    try addFace(3)
    let second = try await run()
    XCTAssertEqual(second.status, .succeeded, second.summary)
    let crops = try XCTUnwrap(second.outcome.stages.first { $0.stage == "crops" })
    XCTAssertEqual([crops.done, crops.cached], [1, 3], second.summary)

    let catalog = try Catalog.open(at: URL(fileURLWithPath: second.catalogPath), create: false)
    let rows = try catalog.stageResults(runID: second.runID)
    var seen: [String: Int] = [:]
    for r in rows { seen["\(r.stage) \(r.item)", default: 0] += 1 }
    XCTAssertEqual(seen.filter { $0.value > 1 }, [:], "recorded more than once")
    XCTAssertEqual(rows.filter { $0.stage == "crops" }.count, 4)
  }
}
