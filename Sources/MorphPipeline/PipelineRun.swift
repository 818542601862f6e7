import Foundation
import MorphCatalog

/// Everything `morph run` does, from recipe file to catalog record: validate, plan, record the
/// run's start, schedule, record its end, and summarise.
public struct PipelineRun {
  public var graph: PipelineGraph
  /// Folder relative paths (inputs, outputs, `.morph/`) are resolved against.
  public var baseDirectory: URL
  public var catalogURL: URL
  public var cacheRoot: URL
  public var options: RunOptions
  /// Morph's version, recorded with the run.
  public var morphVersion: String
  /// The part of the items this run takes (`--shard K/N`); nil for all.
  public let shard: Shard?

  /// With a `shard`, the catalog is the shard's own file beside the one named (see
  /// `Shard.catalogURL(for:)`); outputs go where a whole run puts them, each item's files
  /// named by the item, so shards never write the same file.
  public init(
    graph: PipelineGraph, baseDirectory: URL, catalogPath: String? = nil, options: RunOptions = RunOptions(),
    morphVersion: String, shard: Shard? = nil
  ) {
    self.graph = graph
    self.baseDirectory = baseDirectory
    let path = catalogPath ?? graph.recipe.catalog?.value ?? CatalogLocation.defaultPath
    let named =
      path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path).standardizedFileURL
    self.catalogURL = shard.map { $0.catalogURL(for: named) } ?? named
    self.shard = shard
    self.cacheRoot = baseDirectory.appendingPathComponent(".morph/cache")
    self.options = options
    self.morphVersion = morphVersion
  }

  /// Reads and validates a recipe file with `--set` overrides.
  public static func load(
    _ url: URL, overrides: [String] = [], registry: StageRegistry = .builtIn
  ) throws -> PipelineGraph {
    try RecipeValidator(registry: registry).validate(RecipeParser.load(url), overrides: overrides)
  }

  /// Plans the run (what would run, what is cached) without running anything.
  /// Without a `catalog`, an existing catalog file is opened read-only (a dry run creates
  /// none and changes none).
  public func plan(onlyItems: Set<String>? = nil, catalog: Catalog? = nil) throws -> ExecutionPlan {
    let exists = FileManager.default.fileExists(atPath: catalogURL.path)
    let catalog = try catalog ?? (exists ? Catalog.openForReading(at: catalogURL) : nil)
    return try Planner(
      cache: ContentCache(root: cacheRoot), baseDirectory: baseDirectory, catalog: catalog, useCache: options.useCache)
      .plan(graph, onlyItems: onlyItems, shard: shard)
  }

  /// The source items whose processing failed in an earlier run (for `--only-failed`).
  public func failedItems(ofRun runID: Int64) throws -> Set<String> {
    let catalog = try Catalog.openForReading(at: catalogURL)
    _ = try catalog.run(id: runID)
    // A failed face (`photo.jpg#1`) is retried by running its photo again.
    return Set(try catalog.stageResults(runID: runID).filter { $0.status == .failed }.map { sourceItemID($0.item) })
  }

  /// Runs the recipe and records it; `onlyItems` limits it to those items.
  public func run(onlyItems: Set<String>? = nil) async throws -> RunReport {
    let catalog = try Catalog.open(at: catalogURL)
    // Runs left `running` by a process that died (kill -9, power loss) are closed first.
    let interrupted = try catalog.markInterruptedRuns()
    let planner = Planner(
      cache: ContentCache(root: cacheRoot), baseDirectory: baseDirectory, catalog: catalog, useCache: options.useCache)
    // A long run of per-item stages goes window by window: its plan, queues and bookkeeping
    // then hold one window's items, whatever the number of items.
    let windows = try self.windows(planner.windowableItemIDs(graph, onlyItems: onlyItems, shard: shard))
    var plan = try planner.plan(graph, onlyItems: onlyItems, shard: shard, window: windows.first ?? nil)
    let started = Date()
    let runID = try catalog.startRun(
      RunStart(
        recipeName: graph.recipe.name, recipeText: graph.recipe.text, parametersJSON: graph.parametersJSON,
        morphVersion: morphVersion, startedAt: started, shard: shard.map { RunShard(index: $0.index, count: $0.count) }))
    options.events?.emit("run_start", [("run", String(runID)), ("recipe", JSONText.quote(graph.recipe.name))])
    var itemCount = 0
    var outcome: Scheduler.Outcome?
    for (n, window) in windows.enumerated() {
      if n > 0 {
        do { plan = try planner.plan(graph, onlyItems: onlyItems, shard: shard, window: window) } catch {
          try? catalog.finishRun(id: runID, status: .failed, itemCount: itemCount, error: "\(error)")
          throw error
        }
      }
      let count = plan.stages.filter { $0.stage.descriptor.shape == .source }.map(\.items.count).reduce(0, +)
      if windows.count > 1, case .off = options.progress {} else if windows.count > 1 {
        FileHandle.standardError.write(Data("items \(itemCount + 1)–\(itemCount + count) of \(windowTotal(windows)):\n".utf8))
      }
      itemCount += count
      let part = await Scheduler(
        plan: plan, cache: ContentCache(root: cacheRoot), baseDirectory: baseDirectory, catalog: catalog, runID: runID,
        options: options
      ).run()
      outcome = outcome.map { $0.followed(by: part) } ?? part
      if part.status == .cancelled || (part.status == .failed && options.failFast) || Task.isCancelled { break }
    }
    // `windows` always holds at least one entry (nil: all items at once).
    guard let outcome else { throw PipelineError.cancelled }
    let ended = Date()
    let firstError = outcome.failures.first.map { "\($0.stage) \($0.item): \($0.message)" }
    try catalog.finishRun(id: runID, status: outcome.status, itemCount: itemCount, error: firstError, endedAt: ended)
    var metrics = outcome.stages.map {
      MetricRecord(runID: runID, name: "stage_seconds", value: $0.seconds, stage: $0.stage)
    }
    metrics += outcome.stages.map { MetricRecord(runID: runID, name: "items_done", value: Double($0.done), stage: $0.stage) }
    metrics += outcome.stages.map { MetricRecord(runID: runID, name: "items_cached", value: Double($0.cached), stage: $0.stage) }
    metrics += outcome.stages.map { MetricRecord(runID: runID, name: "items_failed", value: Double($0.failed), stage: $0.stage) }
    metrics.append(MetricRecord(runID: runID, name: "run_seconds", value: ended.timeIntervalSince(started)))
    try catalog.recordMetrics(metrics)
    options.events?.emit(
      "run_end",
      [
        ("run", String(runID)), ("status", JSONText.quote(outcome.status.rawValue)),
        ("failed", String(outcome.failures.count)), ("seconds", String(format: "%.3f", ended.timeIntervalSince(started))),
      ])
    return RunReport(
      runID: runID, recipeName: graph.recipe.name, status: outcome.status, itemCount: itemCount,
      seconds: ended.timeIntervalSince(started), outcome: outcome, catalogPath: catalogURL.path,
      baseDirectory: baseDirectory, interruptedRuns: interrupted, shard: shard,
      skippedReductions: plan.stages.filter { $0.stage.descriptor.shape == .reduce && $0.items.isEmpty }.map(\.stage.id))
  }
}

extension PipelineRun {
  /// Windows of `options.windowSize` item ids, or one nil window (all items at once).
  func windows(_ ids: [String]?) -> [Set<String>?] {
    let size = max(1, options.windowSize)
    guard let ids, ids.count > size else { return [nil] }
    return stride(from: 0, to: ids.count, by: size).map { Set(ids[$0..<min($0 + size, ids.count)]) }
  }

  func windowTotal(_ windows: [Set<String>?]) -> Int { windows.map { $0?.count ?? 0 }.reduce(0, +) }
}

extension Scheduler.Outcome {
  /// This window's outcome followed by the next one's: counts and spans add up, lists join.
  func followed(by next: Scheduler.Outcome) -> Scheduler.Outcome {
    var out = self
    let worst: [RunStatus] = [.cancelled, .failed, .succeeded]
    out.status = worst.first { $0 == status || $0 == next.status } ?? next.status
    for s in next.stages {
      if let i = out.stages.firstIndex(where: { $0.stage == s.stage }) {
        out.stages[i].done += s.done
        out.stages[i].cached += s.cached
        out.stages[i].failed += s.failed
        out.stages[i].seconds += s.seconds
        out.stages[i].busy += s.busy
      } else {
        out.stages.append(s)
      }
    }
    out.failures += next.failures
    out.outputs = RunMonitor.first(outputs + next.outputs)
    out.outputCount += next.outputCount
    out.notes += next.notes.prefix(max(0, 10 * RunMonitor.listed - notes.count))
    out.noteCount += next.noteCount
    out.peakQueued = max(peakQueued, next.peakQueued)
    out.recordingError = recordingError ?? next.recordingError
    return out
  }
}

/// The result of `PipelineRun.run`, with the one-screen summary `morph run` prints.
public struct RunReport: Sendable {
  public var runID: Int64
  public var recipeName: String
  public var status: RunStatus
  public var itemCount: Int
  public var seconds: Double
  public var outcome: Scheduler.Outcome
  public var catalogPath: String
  public var baseDirectory: URL
  /// Earlier runs found `running` with their process gone, marked `interrupted` at the start.
  public var interruptedRuns: [Int64] = []
  public var shard: Shard? = nil
  /// Reductions (sheets over all items) a partial run left out.
  public var skippedReductions: [String] = []

  /// Shows paths relative to the working folder when they lie inside it.
  func display(_ path: String) -> String {
    let base = baseDirectory.standardizedFileURL.path + "/"
    return path.hasPrefix(base) ? String(path.dropFirst(base.count)) : path
  }

  public var summary: String {
    var lines = [
      String(format: "run %lld of %@: %@ — %d items in %.2f s", runID, recipeName, status.rawValue, itemCount, seconds)
        + (shard.map { " (shard \($0))" } ?? "")
    ]
    let width = max(5, outcome.stages.map { $0.stage.count }.max() ?? 0)
    lines.append("  " + "stage".padding(toLength: width, withPad: " ", startingAt: 0) + "    done  cached  failed  seconds     busy")
    for s in outcome.stages {
      lines.append(
        "  " + s.stage.padding(toLength: width, withPad: " ", startingAt: 0)
          + String(format: "  %6d  %6d  %6d  %7.2f  %7.2f", s.done, s.cached, s.failed, s.seconds, s.busy))
    }
    if !outcome.outputs.isEmpty {
      lines.append("outputs:")
      let sorted = outcome.outputs.sorted { $0.path.localizedStandardCompare($1.path) == .orderedAscending }
      for o in sorted.prefix(10) { lines.append("  \(display(o.path))") }
      if outcome.outputCount > 10 { lines.append("  … and \(outcome.outputCount - 10) more") }
    }
    if !outcome.notes.isEmpty {
      lines.append("notes (\(outcome.noteCount)):")
      for n in outcome.notes.prefix(10) { lines.append("  \(n.stage) \(n.item): \(n.message)") }
      if outcome.noteCount > 10 { lines.append("  … and \(outcome.noteCount - 10) more") }
    }
    if !outcome.failures.isEmpty {
      lines.append("failed items (\(outcome.failures.count)):")
      let failures = outcome.failures.sorted { ($0.item, $0.stage) < ($1.item, $1.stage) }
      for f in failures.prefix(10) { lines.append("  \(f.stage) \(f.item): \(f.message)") }
      if outcome.failures.count > 10 { lines.append("  … and \(outcome.failures.count - 10) more (morph explain \(runID) ITEM)") }
      lines.append("retry them with: morph run RECIPE --only-failed \(runID)")
    }
    if shard != nil, !skippedReductions.isEmpty {
      lines.append(
        "not in a shard: \(skippedReductions.joined(separator: ", ")) (over all items: run the recipe whole after "
          + "the shards; it finds every item cached)")
    }
    if let error = outcome.recordingError { lines.append("warning: catalog recording failed: \(error)") }
    if !interruptedRuns.isEmpty {
      let ids = interruptedRuns.map(String.init).joined(separator: ", ")
      lines.append("marked interrupted (their process had ended without finishing): run \(ids)")
    }
    lines.append("catalog: \(display(catalogPath)) (run \(runID))")
    return lines.joined(separator: "\n")
  }
}
