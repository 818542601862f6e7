import Foundation
import MorphCatalog

/// A run's values of one metric name and stage, summarised: `morph runs show` prints one line
/// each (a translate-folder run records dozens of attributes for every face and strength, a
/// training run a loss every few steps), and `morph runs diff` compares their means.
public struct MetricSummary: Sendable {
  public var name: String
  /// The stage that recorded it ("" for none).
  public var stage: String
  public var count: Int
  public var mean: Double
  public var min: Double
  public var max: Double
  /// The value of the highest step (training curves), else the last recorded.
  public var last: Double

  /// Summaries in the order each metric was first recorded.
  public static func summarise(_ metrics: [MetricRecord]) -> [MetricSummary] {
    var order: [String] = []
    var groups: [String: [MetricRecord]] = [:]
    for metric in metrics {
      let key = metric.name + "\u{0}" + (metric.stage ?? "")
      if groups[key] == nil { order.append(key) }
      groups[key, default: []].append(metric)
    }
    return order.compactMap { key in
      guard let group = groups[key], let first = group.first else { return nil }
      let values = group.map(\.value)
      // Stable for equal steps: the later record wins, as it was written later.
      let latest = group.enumerated().max { a, b in
        (a.element.step ?? Int.min, a.offset) < (b.element.step ?? Int.min, b.offset)
      }?.element.value ?? first.value
      return MetricSummary(
        name: first.name, stage: first.stage ?? "", count: values.count, mean: values.reduce(0, +) / Double(values.count),
        min: values.min() ?? 0, max: values.max() ?? 0, last: latest)
    }
  }

  /// Four significant digits: enough to compare runs, short enough for a table.
  public static func format(_ value: Double) -> String {
    guard value.isFinite else { return String(value) }
    return String(format: "%.4g", value)
  }
}
