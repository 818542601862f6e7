import ArgumentParser
import Foundation
import MorphCatalog
import MorphPipeline

/// `morph runs list|show`: the runs recorded in the catalog.
struct RunsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "runs", abstract: "List and inspect recorded pipeline runs.",
    subcommands: [RunsList.self, RunsShow.self, RunsDiffCommand.self])
}

/// `morph runs list`.
struct RunsList: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "list", abstract: "Recent runs, newest first.")

  @OptionGroup var options: CatalogOptions
  @Option(help: "At most this many runs.") var limit = 20
  @Flag(help: "JSON output.") var json = false

  func run() throws {
    let runs = try options.openForReading().runs(limit: limit)
    if json {
      print(try CatalogPrinter.json(runs.map(RunSummary.init)))
      return
    }
    if runs.isEmpty {
      print("no runs recorded")
      return
    }
    print(
      CatalogPrinter.table(
        ["id", "recipe", "status", "items", "started", "duration", "host"],
        runs.map { r in
          [
            String(r.id), r.recipeName, r.status.rawValue, String(r.itemCount), RunFormat.date(r.startedAt),
            RunFormat.duration(r), r.host,
          ]
        }))
  }
}

/// `morph runs show ID`.
struct RunsShow: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "show", abstract: "One run: recipe, parameters, stage results, metrics, artifacts.")

  @OptionGroup var options: CatalogOptions
  @Argument(help: "Run id (see `morph runs list`), or `last` for the newest run.") var id: RunReference
  @Flag(help: "JSON output.") var json = false
  @Flag(help: "Also print the recipe text.") var recipe = false
  @Flag(help: "Print every stage's parameters too, not just the recipe's.") var allParameters = false
  @Flag(help: "Print every metric value (per item and step) instead of one summary line per metric.") var allMetrics = false

  func run() throws {
    let catalog = try options.openForReading()
    let id = try self.id.resolve(in: catalog)
    let run = try catalog.run(id: id)
    let results = try catalog.stageResults(runID: id)
    let metrics = try catalog.metrics(runID: id)
    let artifacts = try catalog.artifacts(runID: id)
    if json {
      struct Output: Encodable {
        var run: RunRecord
        var stageResults: [StageResult]
        var metrics: [MetricRecord]
        var artifacts: [ArtifactRecord]
      }
      print(try CatalogPrinter.json(Output(run: run, stageResults: results, metrics: metrics, artifacts: artifacts)))
      return
    }
    print("run \(run.id): \(run.recipeName)  [\(run.status.rawValue)]")
    print("recipe hash: \(run.recipeHash)")
    print("morph \(run.morphVersion) on \(run.host)")
    print(
      "started \(RunFormat.date(run.startedAt)), \(run.endedAt.map { "ended \(RunFormat.date($0))" } ?? "not ended"), duration \(RunFormat.duration(run))"
    )
    print("items: \(run.itemCount)")
    print(RunParameterListing.lines(run.parametersJSON, recipeText: run.recipeText, all: allParameters).joined(separator: "\n"))
    if let error = run.error { print("error: \(error)") }

    if !results.isEmpty {
      // Per stage: counts by status and total time.
      var order = [String]()
      var byStage = [String: [StageResult]]()
      for r in results {
        if byStage[r.stage] == nil { order.append(r.stage) }
        byStage[r.stage, default: []].append(r)
      }
      print("\nstages:")
      print(
        CatalogPrinter.table(
          ["stage", "ok", "cached", "failed", "skipped", "seconds"],
          order.map { stage in
            let rs = byStage[stage] ?? []
            func n(_ s: StageStatus) -> String { String(rs.filter { $0.status == s }.count) }
            return [
              stage, n(.ok), n(.cached), n(.failed), n(.skipped),
              String(format: "%.2f", rs.reduce(0) { $0 + $1.durationSeconds }),
            ]
          }))
      let failures = results.filter { $0.status == .failed }
      if !failures.isEmpty {
        print("\nfailures:")
        for f in failures.prefix(20) { print("  \(f.stage) \(f.item): \(f.error ?? "unknown error")") }
        if failures.count > 20 { print("  … and \(failures.count - 20) more") }
      }
    }
    if !metrics.isEmpty && allMetrics {
      print("\nmetrics:")
      print(
        CatalogPrinter.table(
          ["name", "value", "stage", "item", "step"],
          metrics.map { [$0.name, String($0.value), $0.stage ?? "", $0.item ?? "", $0.step.map(String.init) ?? ""] }))
    } else if !metrics.isEmpty {
      let summaries = MetricSummary.summarise(metrics)
      print("\nmetrics (\(metrics.count) values; one line per metric, every value with --all-metrics):")
      print(
        CatalogPrinter.table(
          ["name", "stage", "values", "mean", "min", "max", "last"],
          summaries.map {
            [$0.name, $0.stage, String($0.count), MetricSummary.format($0.mean), MetricSummary.format($0.min),
             MetricSummary.format($0.max), MetricSummary.format($0.last)]
          }))
    }
    if !artifacts.isEmpty {
      print("\nartifacts:")
      print(
        CatalogPrinter.table(
          ["path", "bytes", "sha256"], artifacts.map { [$0.path, String($0.byteSize), String($0.sha256.prefix(16))] }))
    }
    if recipe { print("\nrecipe:\n\(run.recipeText)") }
  }
}

/// A run without its recipe text, for listings.
struct RunSummary: Encodable {
  var id: Int64
  var recipeName: String
  var recipeHash: String
  var status: String
  var itemCount: Int
  var startedAt: Date
  var endedAt: Date?
  var host: String
  var morphVersion: String

  init(_ r: RunRecord) {
    id = r.id
    recipeName = r.recipeName
    recipeHash = r.recipeHash
    status = r.status.rawValue
    itemCount = r.itemCount
    startedAt = r.startedAt
    endedAt = r.endedAt
    host = r.host
    morphVersion = r.morphVersion
  }
}

enum RunFormat {
  static func date(_ d: Date) -> String {
    let f = DateFormatter()
    f.locale = Locale(identifier: "en_US_POSIX")
    f.timeZone = TimeZone(identifier: "UTC")
    f.dateFormat = "yyyy-MM-dd HH:mm:ss"
    return f.string(from: d) + "Z"
  }

  static func duration(_ r: RunRecord) -> String {
    guard let end = r.endedAt else { return "-" }
    return String(format: "%.1f s", end.timeIntervalSince(r.startedAt))
  }
}
