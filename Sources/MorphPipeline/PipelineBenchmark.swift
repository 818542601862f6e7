import Crypto
import Foundation
import MorphCatalog
import MorphImaging

/// Measures what the scheduler costs: a no-op stage over many items, and the prepare-folder
/// imaging work through the scheduler versus the same work called directly.
public enum PipelineBenchmark {
  /// One measurement, printed as a JSON line by `morph bench pipeline`.
  public struct Result: Sendable {
    public var workload: String
    public var items: Int
    public var seconds: Double
    public var extra: [(String, String)] = []

    public var itemsPerSecond: Double { seconds > 0 ? Double(items) / seconds : 0 }

    public var json: String {
      JSONText.object(
        [
          ("workload", JSONText.quote(workload)), ("items", String(items)), ("seconds", String(format: "%.3f", seconds)),
          ("items_per_s", String(format: "%.1f", itemsPerSecond)),
        ] + extra)
    }
  }

  /// `sequence(count)` → `pass` (no-op, micro-batches of `batch`), scheduled without recording
  /// (`recorded` false) or as `morph run` does it, with per-item results in a catalog.
  public static func schedulerOverhead(items: Int, batch: Int, recorded: Bool, folder: URL) async throws -> Result {
    let yaml = """
      stages:
        - { id: numbers, uses: sequence, with: { count: \(items) } }
        - { id: noop, uses: pass, from: numbers, batch: \(batch) }
      """
    let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "bench.yaml"))
    let start = Date()
    if recorded {
      let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "bench").run()
      guard report.status == .succeeded else { throw PipelineError.stage(stage: "bench", message: report.summary) }
    } else {
      let cache = ContentCache(root: folder.appendingPathComponent(".morph/cache"))
      let plan = try Planner(cache: cache, baseDirectory: folder).plan(graph)
      let outcome = await Scheduler(plan: plan, cache: cache, baseDirectory: folder).run()
      guard outcome.status == .succeeded, outcome.stages.last?.done == items else {
        throw PipelineError.stage(stage: "bench", message: "no-op run did not finish: \(outcome.failures.prefix(1))")
      }
    }
    let seconds = Date().timeIntervalSince(start)
    return Result(
      workload: recorded ? "pipeline-noop-recorded" : "pipeline-noop", items: items, seconds: seconds,
      extra: [("batch", String(batch)), ("us_per_item", String(format: "%.2f", seconds * 1e6 / Double(items)))])
  }

  /// load → align (CelebA crop) → jitter → to-tensor over `folder`, through the scheduler with
  /// the cache off (so only scheduling is added to the imaging work).
  public static func imagingThroughScheduler(folder: URL, size: Int, scratch: URL) async throws -> Result {
    let yaml = """
      stages:
        - { id: photos, uses: load, with: { folder: "\(folder.path)" } }
        - { id: aligned, uses: align, from: photos, with: { mode: celeba-crop, size: \(size) } }
        - { id: jittered, uses: jitter, from: aligned, with: { seed: 1 } }
        - { id: tensors, uses: to-tensor, from: jittered }
      """
    let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "bench.yaml"))
    let start = Date()
    let cache = ContentCache(root: scratch.appendingPathComponent(".morph/cache"))
    let plan = try Planner(cache: cache, baseDirectory: scratch, useCache: false).plan(graph)
    let outcome = await Scheduler(plan: plan, cache: cache, baseDirectory: scratch, options: RunOptions(useCache: false)).run()
    let items = outcome.stages.last?.done ?? 0
    return Result(
      workload: "pipeline-prepare-scheduled", items: items, seconds: Date().timeIntervalSince(start),
      extra: [("failed", String(outcome.failures.count)), ("peak_rss_mb", String(ImagingBenchmark.peakResidentMegabytes()))])
  }

  /// The `preprocess` stage (the fused load → CelebA crop + jitter → tensor path of
  /// `ImagingBenchmark`) through the scheduler, feeding a no-op consumer.
  public static func fusedThroughScheduler(folder: URL, size: Int, scratch: URL) async throws -> Result {
    let yaml = """
      stages:
        - { id: tensors, uses: preprocess, with: { folder: "\(folder.path)", size: \(size), seed: 1 } }
        - { id: take, uses: to-records, from: tensors }
      """
    var registry = StageRegistry.builtIn
    registry.register(
      StageDescriptor(
        name: "to-records", summary: "bench sink", shape: .map, input: .tensors, output: .records, cacheable: false,
        batch: 64
      ) { _ in .map { items in items.map { _ in .success(.record([:])) } } })
    let graph = try RecipeValidator(registry: registry).validate(RecipeParser.parse(yaml, file: "bench.yaml"))
    let start = Date()
    let cache = ContentCache(root: scratch.appendingPathComponent(".morph/cache"))
    let plan = try Planner(cache: cache, baseDirectory: scratch, useCache: false).plan(graph)
    let outcome = await Scheduler(plan: plan, cache: cache, baseDirectory: scratch, options: RunOptions(useCache: false)).run()
    return Result(
      workload: "pipeline-preprocess-scheduled", items: outcome.stages.last?.done ?? 0, seconds: Date().timeIntervalSince(start),
      extra: [("failed", String(outcome.failures.count))])
  }

  /// The same per-item calls as `imagingThroughScheduler` (including content hashing),
  /// made directly from two threads with no queues, cache keys or records.
  public static func imagingDirect(folder: URL, size: Int) throws -> Result {
    let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".jpg") }.sorted()
      .map { folder.appendingPathComponent($0) }
    let loader = ImageLoader()
    let jitter = Jitter(seed: 1)
    // Counts failures: each failure takes one number, and the next number is the count.
    let failedItems = Counter()
    let start = Date()
    DispatchQueue.concurrentPerform(iterations: 2) { worker in
      for (n, url) in files.enumerated() where n % 2 == worker {
        do {
          _ = try SHA256.hex(fileAt: url)
          let aligned = try Align.celebaCrop(loader.load(url), size: size).materialised()
          let jittered = try jitter.apply(aligned, item: n, epoch: 0).materialised()
          _ = try ImageBatchBuffer(images: [jittered], normalisation: .imageNet)
        } catch {
          _ = failedItems.take(below: Int.max)
        }
      }
    }
    let seconds = Date().timeIntervalSince(start)
    let failed = failedItems.take(below: Int.max) ?? 0
    return Result(
      workload: "pipeline-prepare-direct", items: files.count, seconds: seconds, extra: [("failed", String(failed))])
  }

  /// Writes `count` 178×218 JPEGs (smooth gradients with a face-like blob) unless present.
  public static func makeImages(count: Int, in folder: URL) throws {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let (width, height) = (178, 218)
    for n in 0..<count {
      let url = folder.appendingPathComponent(String(format: "%06d.jpg", n + 1))
      if FileManager.default.fileExists(atPath: url.path) { continue }
      var pixels = [UInt8](repeating: 0, count: width * height * 3)
      let cx = Double(width) / 2 + Double(n % 7) - 3, cy = Double(height) / 2 + Double(n % 5) - 2
      for y in 0..<height {
        for x in 0..<width {
          let i = (y * width + x) * 3
          let dx = (Double(x) - cx) / 55, dy = (Double(y) - cy) / 70
          let face = dx * dx + dy * dy < 1
          pixels[i] = face ? 220 : UInt8((x + n) % 256)
          pixels[i + 1] = face ? 180 : UInt8((y * 2 + n) % 256)
          pixels[i + 2] = face ? 150 : UInt8((n * 13) % 256)
        }
      }
      try VipsImage(pixels: pixels, width: width, height: height).save(to: url, quality: 90)
    }
  }
}
