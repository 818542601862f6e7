import ArgumentParser
import Foundation
import MorphImaging

/// `morph bench imaging DIR`: throughput of load → CelebA crop + jitter → normalised tensor.
struct BenchImaging: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "imaging",
    abstract: "Measure imaging throughput on a folder of JPEGs (load, CelebA crop, jitter, tensor).",
    discussion: """
      Does the same work as shared/bench/pillow_anchor.py and prints one JSON line with
      images/s and peak memory.
      """)

  @Argument(help: "Folder of .jpg images (e.g. 1,000 generated 178×218 JPEGs).")
  var directory: String

  @Option(help: "Output side in pixels.")
  var size: Int = 128

  @Option(help: "Items processed in parallel.")
  var workers: Int = ProcessInfo.processInfo.activeProcessorCount

  @Option(help: "Images per batch buffer.")
  var batch: Int = 64

  @Option(help: "Jitter seed.")
  var seed: UInt64 = 0

  func run() throws {
    let files = try ImagingBenchmark.images(in: URL(fileURLWithPath: directory))
    if files.isEmpty {
      throw ValidationError("no .jpg files in \(directory)")
    }
    let report = try ImagingBenchmark(size: size, workers: workers, batchSize: batch, seed: seed).run(files)
    print(report.json)
  }
}
