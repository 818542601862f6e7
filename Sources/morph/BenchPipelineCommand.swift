import ArgumentParser
import Foundation
import MorphImaging
import MorphPipeline

/// `morph bench pipeline`: scheduler overhead per item, and imaging through the scheduler
/// versus the same calls made directly and the fused imaging benchmark.
struct BenchPipeline: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pipeline",
    abstract: "Measure scheduler overhead (no-op stage over many items) and imaging through the scheduler.",
    discussion: "Prints one JSON line per measurement and a summary line.")

  @Option(help: "Items for the no-op overhead run.")
  var items = 100_000

  @Option(help: "Micro-batch size of the no-op stage.")
  var batch = 64

  @Option(help: "Folder of 178×218 JPEGs for the imaging runs (generated when missing).")
  var images = "bench/data/pipeline-1000"

  @Option(help: "How many JPEGs to generate / use.")
  var count = 1000

  @Option(help: "Output side of the imaging runs.")
  var size = 128

  func run() async throws {
    try await PipelineCLI.guarded {
      let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("morph-bench-\(UUID().uuidString)")
      try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
      defer { try? FileManager.default.removeItem(at: scratch) }

      let noop = try await PipelineBenchmark.schedulerOverhead(items: items, batch: batch, recorded: false, folder: scratch)
      print(noop.json)
      let recorded = try await PipelineBenchmark.schedulerOverhead(
        items: items, batch: batch, recorded: true, folder: scratch.appendingPathComponent("recorded"))
      print(recorded.json)

      let folder = URL(fileURLWithPath: images)
      try PipelineBenchmark.makeImages(count: count, in: folder)
      // Warm the page cache and libvips before timing.
      _ = try PipelineBenchmark.imagingDirect(folder: folder, size: size)
      var direct: [PipelineBenchmark.Result] = []
      var scheduled: [PipelineBenchmark.Result] = []
      for _ in 0..<3 {
        direct.append(try PipelineBenchmark.imagingDirect(folder: folder, size: size))
        scheduled.append(
          try await PipelineBenchmark.imagingThroughScheduler(folder: folder, size: size, scratch: scratch))
      }
      let bestDirect = direct.max { $0.itemsPerSecond < $1.itemsPerSecond } ?? direct[0]
      let bestScheduled = scheduled.max { $0.itemsPerSecond < $1.itemsPerSecond } ?? scheduled[0]
      print(bestDirect.json)
      print(bestScheduled.json)
      let files = try ImagingBenchmark.images(in: folder)
      var fusedRuns: [ImagingBenchmark.Report] = []
      var fusedScheduled: [PipelineBenchmark.Result] = []
      for _ in 0..<3 {
        fusedRuns.append(try ImagingBenchmark(size: size, workers: 2).run(files))
        fusedScheduled.append(try await PipelineBenchmark.fusedThroughScheduler(folder: folder, size: size, scratch: scratch))
      }
      let fused = fusedRuns.max { $0.imagesPerSecond < $1.imagesPerSecond } ?? fusedRuns[0]
      let fusedStage = fusedScheduled.max { $0.itemsPerSecond < $1.itemsPerSecond } ?? fusedScheduled[0]
      print(fused.json)
      print(fusedStage.json)
      let cost = 100 * (1 - bestScheduled.itemsPerSecond / bestDirect.itemsPerSecond)
      print(
        "{\"workload\":\"pipeline-summary\",\"noop_items_per_s\":\(String(format: "%.0f", noop.itemsPerSecond)),"
          + "\"noop_recorded_items_per_s\":\(String(format: "%.0f", recorded.itemsPerSecond)),"
          + "\"prepare_direct_items_per_s\":\(String(format: "%.1f", bestDirect.itemsPerSecond)),"
          + "\"prepare_scheduled_items_per_s\":\(String(format: "%.1f", bestScheduled.itemsPerSecond)),"
          + "\"scheduler_cost_percent\":\(String(format: "%.1f", cost)),\"target_cost_percent\":10,"
          + "\"fused_imaging_images_per_s\":\(String(format: "%.1f", fused.imagesPerSecond)),"
          + "\"fused_scheduled_images_per_s\":\(String(format: "%.1f", fusedStage.itemsPerSecond)),"
          + "\"fused_scheduler_cost_percent\":\(String(format: "%.1f", 100 * (1 - fusedStage.itemsPerSecond / fused.imagesPerSecond)))}")
    }
  }
}
