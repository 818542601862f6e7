import ArgumentParser
import Foundation
import MorphCatalog

/// `morph bench catalog`: ingest, query and nearest-neighbour timings on CelebA-size data,
/// printed as JSON lines.
struct BenchCatalog: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "catalog",
    abstract: "Benchmark the catalog: CelebA-size ingest, a ~10% attribute query, nearest neighbours over 200k vectors."
  )

  @Option(help: "Annotation rows to generate.") var rows = CelebAFormat.imageCount
  @Option(help: "Pooled vectors for the nearest-neighbour scan (0 = skip).") var vectors = 200_000
  @Option(help: "Dimension of the pooled vectors.") var dim = 512
  @Option(help: "Query to time (about 10% of CelebA rows).")
  var query = "(Blond_Hair OR Gray_Hair) AND NOT Male"
  @Flag(help: "Keep the temporary folder (annotations and catalog) and print its path.") var keep = false

  func validate() throws {
    if rows < 1 { throw ValidationError("--rows must be at least 1") }
    if vectors < 0 || vectors > rows { throw ValidationError("--vectors must be between 0 and --rows") }
    if dim < 1 { throw ValidationError("--dim must be at least 1") }
  }

  func run() throws {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
      "morph-bench-catalog-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    defer {
      if keep { CatalogPrinter.note("kept \(folder.path)") } else { try? FileManager.default.removeItem(at: folder) }
    }
    try CatalogBenchData.write(rows: rows, to: folder)
    let catalog = try MorphCatalog.Catalog.open(at: folder.appendingPathComponent("catalog.sqlite"))

    // 1. Ingest: parse + check + one write transaction.
    var start = Date()
    let summary = try catalog.ingestCelebA(at: folder, annotationsOnly: true)
    let ingestSeconds = Date().timeIntervalSince(start)
    emit([
      "bench": "catalog_ingest", "rows": summary.images, "attributes": summary.attributes,
      "seconds": round3(ingestSeconds), "target_seconds": 10, "met": ingestSeconds < 10,
    ])

    // 2. Query: best of 5 (the first run also warms SQLite's page cache).
    var best = Double.infinity
    var matched = 0
    for _ in 0..<5 {
      start = Date()
      matched = try catalog.query(query).count
      best = min(best, Date().timeIntervalSince(start))
    }
    start = Date()
    let counted = try catalog.count(query)
    let countSeconds = Date().timeIntervalSince(start)
    emit([
      "bench": "catalog_query", "expression": query, "rows": matched,
      "fraction": round3(Double(matched) / Double(rows)),
      "ms": round3(best * 1000), "count_ms": round3(countSeconds * 1000), "target_ms": 100, "met": best < 0.1,
      "count_agrees": counted == matched,
    ])

    // 3. Nearest neighbours over pooled vectors (exact cosine scan).
    guard vectors > 0 else { return }
    try catalog.registerModel(ModelInfo(name: "bench", kind: "synthetic"))
    let ids = try catalog.query("", limit: vectors).map(\.id)
    var random = SplitMix(seed: 7)
    start = Date()
    var batch = [LatentInput]()
    batch.reserveCapacity(10_000)
    for id in ids {
      let v = (0..<dim).map { _ in random.gaussian() }
      batch.append(LatentInput(imageID: id, values: v, shape: [dim], pooled: v))
      if batch.count == 10_000 {
        try catalog.storeLatents(batch, model: "bench", dtype: .float16)
        batch.removeAll(keepingCapacity: true)
      }
    }
    try catalog.storeLatents(batch, model: "bench", dtype: .float16)
    let storeSeconds = Date().timeIntervalSince(start)
    var nearestBest = Double.infinity
    var top: [Neighbour] = []
    for _ in 0..<3 {
      start = Date()
      top = try catalog.nearest(toImage: ids[0], model: "bench", k: 10)
      nearestBest = min(nearestBest, Date().timeIntervalSince(start))
    }
    start = Date()
    let filtered = try catalog.nearest(toImage: ids[0], model: "bench", k: 10, where: query)
    let filteredSeconds = Date().timeIntervalSince(start)
    emit([
      "bench": "catalog_nearest", "vectors": ids.count, "dim": dim, "k": 10, "ms": round3(nearestBest * 1000),
      "filtered_ms": round3(filteredSeconds * 1000), "filtered_hits": filtered.count, "hits": top.count,
      "store_seconds": round3(storeSeconds),
    ])
  }

  func round3(_ x: Double) -> Double { (x * 1000).rounded() / 1000 }

  func emit(_ fields: [String: Any]) {
    if let data = try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys, .withoutEscapingSlashes]) {
      print(String(decoding: data, as: UTF8.self))
    }
  }
}
