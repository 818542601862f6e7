import Foundation
import MorphCatalog

/// `write-metrics`: records every numeric field of each record as a metric of the run.
enum WriteMetricsStage {
  static let descriptor = StageDescriptor(
    name: "write-metrics", summary: "Record the numeric fields of each record as metrics of this run.",
    shape: .map, input: .records, output: .records,
    parameters: [ParameterSpec("prefix", .string, default: .string(""), "Prefix for metric names, e.g. `eval.`.")],
    retryable: true, cacheable: false, concurrency: 1, batch: 64
  ) { context in
    let prefix = context.string("prefix")
    return .map { items in
      var metrics: [MetricRecord] = []
      for item in items {
        guard case .record(let fields) = item.payload else { continue }
        for name in fields.keys.sorted() {
          guard let value = fields[name].flatMap(Double.init), value.isFinite, let runID = context.runID else { continue }
          metrics.append(MetricRecord(runID: runID, name: prefix + name, value: value, stage: context.stageID, item: item.id))
        }
      }
      try context.catalog?.recordMetrics(metrics)
      return items.map { .success($0.payload) }
    }
  }
}
