import ArgumentParser
import Foundation
import MorphModels

/// `morph bench engine`: the tensor engine on the PyTorch anchor's workloads
/// (`../shared/bench/torch_anchor.py`), same architecture and shapes, same JSON fields, plus
/// reference points: the machine's sgemm peak and single 3×3 convolution layers.
struct BenchEngine: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "engine",
    abstract: "Time the HomoInterp inference or training step on Morph's tensor engine.",
    discussion: """
      Workloads: infer, train_step (the anchor's), sgemm-peak (OpenBLAS sgemm 2048², all \
      cores), conv3x3 and conv3x3-train (one 3×3 convolution of --batch × C × --size², C = \
      64·--width, forward or forward + both gradients). Prints one JSON line.
      """)

  @Option(help: "Workload: infer, train_step, sgemm-peak, conv3x3 or conv3x3-train.")
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
    var fields: [(String, String)] = [("workload", "\"\(workload)\""), ("framework", "\"morph \(MorphVersion.string)\"")]
    switch workload {
    case "sgemm-peak":
      fields.append(("gflops", String(format: "%.1f", EngineMicrobenchmarks.sgemmPeak(repetitions: Swift.max(steps, 3)))))
    case "conv3x3", "conv3x3-train":
      let channels = Swift.max(1, Int(64 * width))
      let (seconds, flops) = try EngineMicrobenchmarks.conv3x3(
        batch: batch, channels: channels, size: size, backward: workload == "conv3x3-train", repetitions: steps)
      fields += [
        ("size", "\(size)"), ("batch", "\(batch)"), ("channels", "\(channels)"),
        ("seconds", String(format: "%.5f", seconds)), ("gflops", String(format: "%.1f", Double(flops) / seconds / 1e9)),
      ]
    default:
      guard let kind = AnchorWorkload.Kind(rawValue: workload) else {
        let all = AnchorWorkload.Kind.allCases.map(\.rawValue) + ["sgemm-peak", "conv3x3", "conv3x3-train"]
        throw ValidationError("--workload must be one of: \(all.joined(separator: ", "))")
      }
      var bench = try AnchorWorkload(size: size, batch: batch, width: width)
      let result = try bench.run(kind, steps: steps)
      fields += [("size", "\(size)"), ("batch", "\(batch)"), ("width", "\(width)")]
      if kind == .trainStep { fields.append(("params", "\(result.parameterCount)")) }
      fields.append(("seconds", String(format: "%.4f", result.seconds)))
      if kind == .infer { fields.append(("images_per_s", String(format: "%.2f", Double(batch * 5) / result.seconds))) }
      fields.append(("gflop", String(format: "%.2f", Double(result.flops) / 1e9)))
      fields.append(("gflops", String(format: "%.1f", Double(result.flops) / result.seconds / 1e9)))
    }
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
