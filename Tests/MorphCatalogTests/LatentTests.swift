import Foundation
import GRDB
import MorphCatalog
import XCTest

final class LatentTests: XCTestCase {
  /// A catalog with `n` images (half Smiling) and nothing else.
  func catalogWithImages(_ n: Int) throws -> (Catalog, [Int64]) {
    let catalog = try Catalog.inMemory()
    var d = DatasetAnnotations(name: "d", kind: "folder", root: "/d")
    d.attributeNames = ["Smiling"]
    d.files = (0..<n).map { "img\($0).png" }
    d.values = (0..<n).map { $0 % 2 == 0 ? 1 : -1 }
    try catalog.ingest(d)
    let ids = try catalog.query("").map(\.id)
    return (catalog, ids)
  }

  func testFloat32RoundTripIsExactAndPooledIsChannelMean() throws {
    let (catalog, ids) = try catalogWithImages(2)
    try catalog.registerModel(ModelInfo(name: "m", kind: "homointerp", weightsHash: "abc", configJSON: #"{"w":0.25}"#))
    let values = (0..<(3 * 2 * 2)).map { Float($0) * 0.37 - 1 }
    try catalog.storeLatents(
      [LatentInput(imageID: ids[0], values: values, shape: [3, 2, 2])], model: "m", dtype: .float32)
    let stored = try XCTUnwrap(catalog.latent(imageID: ids[0], model: "m"))
    XCTAssertEqual(stored.values, values)
    XCTAssertEqual(stored.shape, [3, 2, 2])
    XCTAssertEqual(stored.dtype, .float32)
    for c in 0..<3 {
      XCTAssertEqual(stored.pooled[c], values[(c * 4)..<(c * 4 + 4)].reduce(0, +) / 4, accuracy: 1e-6)
    }
    XCTAssertNil(try catalog.latent(imageID: ids[1], model: "m"))
    XCTAssertEqual(try catalog.models().first?.weightsHash, "abc")
  }

  func testFloat16RoundTripWithinHalfPrecision() throws {
    let (catalog, ids) = try catalogWithImages(1)
    try catalog.registerModel(ModelInfo(name: "m", kind: "k"))
    let values: [Float] = [0, 1, -2.5, 1000, 0.1, 65504, -0.000061035156]
    try catalog.storeLatents([LatentInput(imageID: ids[0], values: values, shape: [7])], model: "m", dtype: .float16)
    let stored = try XCTUnwrap(catalog.latent(imageID: ids[0], model: "m"))
    XCTAssertEqual(stored.dtype, .float16)
    for (a, b) in zip(stored.values, values) { XCTAssertEqual(a, b, accuracy: abs(b) / 1000 + 1e-7) }
    let blobSize = try catalog.writer.read { try Int.fetchOne($0, sql: "SELECT length(data) FROM latent") }
    XCTAssertEqual(blobSize, 14)
  }

  func testNearestIsCosineRankedAndFiltered() throws {
    let (catalog, ids) = try catalogWithImages(40)
    try catalog.registerModel(ModelInfo(name: "m", kind: "k"))
    // Image i points at angle i·4° in a plane of a 16-d space (scaled to show cosine ignores length).
    let latents = ids.enumerated().map { i, id -> LatentInput in
      let angle = Float(i) * 4 * .pi / 180
      var v = [Float](repeating: 0, count: 16)
      v[0] = cos(angle) * Float(i + 1)
      v[1] = sin(angle) * Float(i + 1)
      return LatentInput(imageID: id, values: v, shape: [16])
    }
    try catalog.storeLatents(latents, model: "m", dtype: .float32)
    let hits = try catalog.nearest(toImage: ids[10], model: "m", k: 4)
    XCTAssertEqual(
      hits.map(\.image.id),
      [ids[9], ids[11], ids[8], ids[12]].sorted { a, b in
        // 9 and 11 tie at 4°, 8 and 12 at 8°: accept either order within a tie.
        hits.firstIndex { $0.image.id == a }! < hits.firstIndex { $0.image.id == b }!
      })
    XCTAssertEqual(Set(hits.prefix(2).map(\.image.id)), [ids[9], ids[11]])
    XCTAssertEqual(hits[0].similarity, cos(4 * .pi / 180), accuracy: 1e-5)
    // Filter: only Smiling (even) images.
    let smiling = try catalog.nearest(toImage: ids[10], model: "m", k: 2, where: "Smiling")
    XCTAssertEqual(Set(smiling.map(\.image.id)), [ids[8], ids[12]])
    let direct = try catalog.nearest(to: [1] + [Float](repeating: 0, count: 15), model: "m", k: 1)
    XCTAssertEqual(direct.first?.image.id, ids[0])
    XCTAssertEqual(direct.first?.similarity ?? 0, 1, accuracy: 1e-6)
  }

  func testReIngestKeepsLatentsAndRemovesDroppedImages() throws {
    let (catalog, ids) = try catalogWithImages(3)
    try catalog.registerModel(ModelInfo(name: "m", kind: "k"))
    try catalog.storeLatents(ids.map { LatentInput(imageID: $0, values: [1, 2], shape: [2]) }, model: "m")
    var fewer = DatasetAnnotations(name: "d", kind: "folder", root: "/d")
    fewer.attributeNames = ["Smiling"]
    fewer.files = ["img0.png", "img2.png"]
    fewer.values = [-1, 1]
    let summary = try catalog.ingest(fewer)
    XCTAssertEqual([summary.added, summary.updated, summary.removed], [0, 2, 1])
    XCTAssertEqual(try catalog.query("").map(\.id), [ids[0], ids[2]])
    XCTAssertEqual(try catalog.query("Smiling").map(\.path), ["img2.png"])
    XCTAssertNotNil(try catalog.latent(imageID: ids[0], model: "m"), "latent lost on re-ingest")
    XCTAssertNil(try catalog.latent(imageID: ids[1], model: "m"), "latent of a removed image kept")
  }

  func testBadLatentsAreRejected() throws {
    let (catalog, ids) = try catalogWithImages(1)
    XCTAssertThrowsError(
      try catalog.storeLatents([LatentInput(imageID: ids[0], values: [1], shape: [1])], model: "nope")
    ) {
      XCTAssertEqual($0 as? CatalogError, .notFound(kind: "model", name: "nope"))
    }
    try catalog.registerModel(ModelInfo(name: "m", kind: "k"))
    XCTAssertThrowsError(
      try catalog.storeLatents([LatentInput(imageID: ids[0], values: [1, 2], shape: [3])], model: "m"))
    XCTAssertThrowsError(try catalog.storeLatents([LatentInput(imageID: 999, values: [1], shape: [1])], model: "m"))
    try catalog.storeLatents([LatentInput(imageID: ids[0], values: [1, 2], shape: [2])], model: "m")
    XCTAssertThrowsError(try catalog.nearest(to: [1, 2, 3], model: "m", k: 1))
  }

  /// A run's read-write catalog must not memory-map the file: mapped pages count in the run's
  /// resident memory and grow with the latents it stores. The read-only commands (`nearest`
  /// scans) keep the map.
  func testOnlyReadOnlyConnectionsMapTheFile() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mmap-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: folder) }
    let url = folder.appendingPathComponent("catalog.sqlite")
    let catalog = try Catalog.open(at: url)
    let mmapSQL = "PRAGMA mmap_size"
    XCTAssertEqual(try catalog.writer.read { try Int.fetchOne($0, sql: mmapSQL) }, 0)
    XCTAssertEqual(try catalog.writer.write { try Int.fetchOne($0, sql: mmapSQL) }, 0)
    let reader = try Catalog.openForReading(at: url)
    // Asked for 2 GB; SQLite caps it at its build's SQLITE_MAX_MMAP_SIZE (Debian: 2 GB − 64 KB).
    XCTAssertGreaterThan(try reader.writer.read { try Int.fetchOne($0, sql: mmapSQL) } ?? 0, 1 << 30)
  }
}
