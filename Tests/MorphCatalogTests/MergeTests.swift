import Foundation
import GRDB
import MorphCatalog
import XCTest

/// `Catalog.merge(shardAt:)`: shards join by name, idempotently, conflicts reported and the
/// target's rows kept.
final class MergeTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("morph-merge-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
  }

  /// A shard catalog: images `files` of dataset `d` (attributes `attributes`, image i positive
  /// on attribute a when (i + a) is even), model `m` with `weightsHash`, a latent per image
  /// (values from `seed`), and one run of shard `index`/`count` with a stage result and a metric.
  func shard(
    _ name: String, files: [String], attributes: [String] = ["Smiling", "Male"], hashes: [String: String] = [:],
    weightsHash: String = "w1", seed: Float = 0, index: Int, count: Int
  ) throws -> URL {
    let url = folder.appendingPathComponent(name)
    let catalog = try Catalog.open(at: url)
    var d = DatasetAnnotations(name: "d", kind: "folder", root: "/data/d")
    d.attributeNames = attributes
    d.files = files
    d.values = files.indices.flatMap { i in attributes.indices.map { a in Int8((i + a) % 2 == 0 ? 1 : -1) } }
    d.contentHashes = files.map { hashes[$0] ?? "hash-" + $0 }
    d.byteSizes = files.map { _ in 100 }
    try catalog.ingest(d)
    try catalog.registerModel(ModelInfo(name: "m", kind: "homointerp", weightsHash: weightsHash))
    let images = try catalog.query("")
    try catalog.storeLatents(
      images.map { LatentInput(imageID: $0.id, values: [seed, Float($0.id), 1, 2], shape: [4]) }, model: "m", dtype: .float32)
    let run = try catalog.startRun(
      RunStart(recipeName: "r", recipeText: "x", morphVersion: "0", shard: RunShard(index: index, count: count)))
    try catalog.recordStageResults(
      files.map { StageResult(runID: run, stage: "save", item: $0, cacheKey: "k-" + $0, status: .ok, durationSeconds: 0.1) })
    try catalog.recordMetrics([MetricRecord(runID: run, name: "run_seconds", value: 1)])
    try catalog.finishRun(id: run, status: .succeeded, itemCount: files.count)
    return url
  }

  func latents(_ catalog: Catalog) throws -> [String: [Float]] {
    var out: [String: [Float]] = [:]
    for image in try catalog.query("") { out[image.path] = try catalog.latent(imageID: image.id, model: "m")?.values }
    return out
  }

  func testShardsMergeIdempotentlyAndRunsKeepTheirShardNumbers() throws {
    let a = try shard("a.sqlite", files: ["1.jpg", "2.jpg"], index: 0, count: 2)
    let b = try shard("b.sqlite", files: ["3.jpg"], index: 1, count: 2)
    let out = try Catalog.open(at: folder.appendingPathComponent("out.sqlite"))
    let first = try out.merge(shards: [a, b])
    XCTAssertEqual(first.map(\.runsAdded), [1, 1])
    XCTAssertEqual(first.map(\.imagesAdded), [2, 1])
    XCTAssertEqual(first.map(\.latentsAdded), [2, 1])
    XCTAssertEqual(first.flatMap(\.conflicts), [])
    XCTAssertEqual(try out.runs().map(\.shard), [RunShard(index: 1, count: 2), RunShard(index: 0, count: 2)])
    XCTAssertEqual(try out.query("Smiling").map(\.path).sorted(), ["1.jpg", "3.jpg"])
    XCTAssertEqual(try out.query("Male").map(\.path), ["2.jpg"])
    let runIDs = try out.runs().map(\.id)
    XCTAssertEqual(try runIDs.map { try out.stageResults(runID: $0).count }.sorted(), [1, 2])

    let second = try out.merge(shards: [a, b, a])
    XCTAssertTrue(second.allSatisfy(\.changedNothing), "\(second)")
    XCTAssertEqual(second.map(\.runsKept), [1, 1, 1])
    XCTAssertEqual(try out.runs().count, 2)
    XCTAssertEqual(try runIDs.map { try out.stageResults(runID: $0).count }.sorted(), [1, 2])
  }

  func testConflictsAreReportedAndTheTargetKept() throws {
    let a = try shard("a.sqlite", files: ["1.jpg", "2.jpg"], index: 0, count: 2)
    // The same image with other content, and the same model name with other weights.
    let b = try shard("b.sqlite", files: ["2.jpg", "3.jpg"], hashes: ["2.jpg": "other"], index: 1, count: 2)
    let c = try shard("c.sqlite", files: ["4.jpg"], weightsHash: "w2", index: 1, count: 2)
    // The same image and model, different latent values.
    let d = try shard("d.sqlite", files: ["1.jpg"], seed: 9, index: 0, count: 2)
    let out = try Catalog.open(at: folder.appendingPathComponent("out.sqlite"))
    _ = try out.merge(shardAt: a)
    let kept = try latents(out)

    let image = try out.merge(shardAt: b)
    XCTAssertEqual(image.conflicts.map(\.kind), [.image])
    XCTAssertTrue(image.conflicts[0].description.contains("2.jpg: content hash hash-2.jpg"), image.conflicts[0].description)
    XCTAssertEqual(image.imagesAdded, 1)
    XCTAssertEqual(try out.imageIDs(contentHash: "other"), [])

    let model = try out.merge(shardAt: c)
    XCTAssertEqual(model.conflicts.map(\.kind), [.model])
    XCTAssertTrue(model.conflicts[0].message.contains("its 1 latents not merged"), model.conflicts[0].message)
    XCTAssertEqual(model.latentsAdded, 0)
    XCTAssertEqual(try out.models().map(\.weightsHash), ["w1"])

    let latent = try out.merge(shardAt: d)
    XCTAssertEqual(latent.conflicts.map(\.kind), [.latent])
    var now = try latents(out)
    XCTAssertEqual(now["1.jpg"], kept["1.jpg"])
    now["3.jpg"] = nil
    now["4.jpg"] = nil
    XCTAssertEqual(now, kept)

    // Reported again on a second merge, and still nothing overwritten.
    XCTAssertEqual(try out.merge(shards: [b, c, d]).map { $0.conflicts.count }, [1, 1, 1])
    XCTAssertEqual(try latents(out)["1.jpg"], kept["1.jpg"])
  }

  func testAttributesInOtherSlotsAreRenumbered() throws {
    let a = try shard("a.sqlite", files: ["1.jpg"], attributes: ["Smiling", "Male"], index: 0, count: 2)
    let b = try shard("b.sqlite", files: ["2.jpg", "3.jpg"], attributes: ["Young", "Male", "Smiling"], index: 1, count: 2)
    let out = try Catalog.open(at: folder.appendingPathComponent("out.sqlite"))
    _ = try out.merge(shards: [a, b])
    // In b, image i is positive on attribute a when (i + a) is even.
    XCTAssertEqual(try out.query("Young").map(\.path), ["2.jpg"])
    XCTAssertEqual(try out.query("Male").map(\.path), ["3.jpg"])
    XCTAssertEqual(try out.query("Smiling").map(\.path).sorted(), ["1.jpg", "2.jpg"])
    XCTAssertEqual(try out.count("NOT Smiling"), 1)
  }

  func testARunMergedWhileGoingIsReplacedByItsLaterRecord() throws {
    let url = folder.appendingPathComponent("s.sqlite")
    let shard = try Catalog.open(at: url)
    let run = try shard.startRun(RunStart(recipeName: "r", recipeText: "x", morphVersion: "0", shard: RunShard(index: 0, count: 1)))
    try shard.recordStageResults([StageResult(runID: run, stage: "s", item: "a", cacheKey: "k", status: .ok, durationSeconds: 0)])
    let out = try Catalog.open(at: folder.appendingPathComponent("out.sqlite"))
    XCTAssertEqual(try out.merge(shardAt: url).runsAdded, 1)
    try shard.recordStageResults([StageResult(runID: run, stage: "s", item: "b", cacheKey: "k2", status: .ok, durationSeconds: 0)])
    try shard.finishRun(id: run, status: .succeeded, itemCount: 2)
    XCTAssertEqual(try out.merge(shardAt: url).runsUpdated, 1)
    let merged = try XCTUnwrap(out.runs().first)
    XCTAssertEqual(merged.status, .succeeded)
    XCTAssertEqual(try out.runs().count, 1)
    XCTAssertEqual(try out.stageResults(runID: merged.id).map(\.item), ["a", "b"])
    XCTAssertThrowsError(try out.merge(shardAt: folder.appendingPathComponent("out.sqlite")))
    XCTAssertThrowsError(try out.merge(shardAt: folder.appendingPathComponent("missing.sqlite")))
  }
}
