import ArgumentParser
import Foundation
import MorphModels

/// `morph bench engine`: the tensor engine on the PyTorch anchor's workloads
/// (`../shared/bench/torch_anchor.py`), same architecture and shapes, same JSON fields.
struct BenchEngine: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "engine",
    abstract: "Time the HomoInterp inference or training step on Morph's tensor engine.")

  @Option(help: "Workload: infer or train_step.")
  var workload: String = "infer"
  @Option(help: "Image size in pixels (a multiple of 16).")
  var size: Int = 128
  @Option(help: "Batch size.")
  var batch: Int = 8
  @Option(help: "Channel width multiplier.")
  var width: Double = 1.0
  @Option(help: "Timed repetitions after one warm-up.")
  var steps: Int = 3

  func run() async throws {
    guard let kind = AnchorWorkload.Kind(rawValue: workload) else {
      throw ValidationError("--workload must be one of: \(AnchorWorkload.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
    }
    var bench = try AnchorWorkload(size: size, batch: batch, width: width)
    let result = try bench.run(kind, steps: steps)
    var fields: [(String, String)] = [
      ("workload", "\"\(kind.rawValue)\""), ("framework", "\"morph \(MorphVersion.string)\""), ("size", "\(size)"),
      ("batch", "\(batch)"), ("width", "\(width)"),
    ]
    if kind == .trainStep { fields.append(("params", "\(result.parameterCount)")) }
    fields.append(("seconds", String(format: "%.4f", result.seconds)))
    if kind == .infer { fields.append(("images_per_s", String(format: "%.2f", Double(batch * 5) / result.seconds))) }
    fields.append(("peak_rss_mb", String(format: "%.1f", peakResidentMegabytes())))
    print("{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}")
  }
}

/// The process's peak resident set size (Linux reports `ru_maxrss` in KiB).
func peakResidentMegabytes() -> Double {
  var usage = rusage()
  getrusage(RUSAGE_SELF.rawValue, &usage)
  return Double(usage.ru_maxrss) / 1024
}
