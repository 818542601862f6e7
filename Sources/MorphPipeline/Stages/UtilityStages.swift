import Foundation
import MorphCatalog

/// Stages that move records without touching images: counting sources and the no-op stage the
/// scheduler benchmark runs.
enum UtilityStages {
  /// `sequence`: `count` records `{index: n}`, items named `item-000001` ….
  static let sequence = StageDescriptor(
    name: "sequence", summary: "Emit `count` numbered records (for tests and benchmarks).", shape: .source, input: nil,
    output: .records, parameters: [ParameterSpec("count", .int, "How many records to emit.", range: .integers(0...100_000_000))], cacheable: false,
    concurrency: 1
  ) { context in
    let count = context.int("count")
    return .source {
      (0..<count).map { n in
        let id = "item-" + String(n).leftPadded(to: 6)
        return SourceItem(id: id, contentKey: "sequence:\(n)") { .record(["index": String(n)]) }
      }
    }
  }

  /// `pass`: forwards each record unchanged.
  static let pass = StageDescriptor(
    name: "pass", summary: "Forward each record unchanged (measures scheduler overhead).", shape: .map,
    input: .records, output: .records, cacheable: false, concurrency: 2, batch: 64
  ) { _ in
    .map { items in items.map { .success($0.payload) } }
  }

  /// `delay`: forwards each record after a pause; cached, so it shows resume and progress.
  static let delay = StageDescriptor(
    name: "delay", summary: "Forward each record after waiting `ms` milliseconds (demos, progress, resume tests).",
    shape: .map, input: .records, output: .records,
    parameters: [ParameterSpec("ms", .int, default: .int(10), "Milliseconds to wait per item.", range: .integers(0...60_000))],
    concurrency: 1, batch: 1
  ) { context in
    let ms = context.int("ms")
    return .map { items in
      items.map { item in
        usleep(useconds_t(ms * 1000))
        return .success(item.payload)
      }
    }
  }
}

extension String {
  /// The string with leading zeros up to `width` characters.
  func leftPadded(to width: Int) -> String {
    count >= width ? self : String(repeating: "0", count: width - count) + self
  }
}
