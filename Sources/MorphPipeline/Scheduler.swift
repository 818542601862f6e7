import Foundation
import MorphCatalog

/// Options for one run.
public struct RunOptions: Sendable {
  /// Stop the whole run at the first failed item (default: record it and go on).
  public var failFast = false
  /// Capacity of each queue between stages; nil picks twice the consumer's concurrency × batch.
  public var queueCapacity: Int?
  /// A run of more items than this, through stages that take them one by one, is planned and
  /// run this many items at a time, so that its memory does not grow with the number of items.
  public var windowSize = 2048
  public var progress: ProgressStyle = .off
  public var events: RunEventSink?
  /// Look results up in the cache and store new ones (false: compute everything, store nothing).
  public var useCache = true

  public init(
    failFast: Bool = false, queueCapacity: Int? = nil, progress: ProgressStyle = .off, events: RunEventSink? = nil,
    useCache: Bool = true
  ) {
    self.failFast = failFast
    self.useCache = useCache
    self.queueCapacity = queueCapacity
    self.progress = progress
    self.events = events
  }
}

/// A record field naming a file a stage wrote; the scheduler records it as an artifact.
public let artifactField = "artifact"

/// Runs an `ExecutionPlan`: one task group child per stage, bounded queues between them,
/// per-stage workers taking micro-batches, results stored in the cache as they complete.
public struct Scheduler: Sendable {
  public var plan: ExecutionPlan
  public var cache: ContentCache
  public var baseDirectory: URL
  public var catalog: Catalog?
  public var runID: Int64?
  public var options: RunOptions

  public init(
    plan: ExecutionPlan, cache: ContentCache, baseDirectory: URL, catalog: Catalog? = nil, runID: Int64? = nil,
    options: RunOptions = RunOptions()
  ) {
    self.plan = plan
    self.cache = cache
    self.baseDirectory = baseDirectory
    self.catalog = catalog
    self.runID = runID
    self.options = options
  }

  /// What happened, stage by stage.
  public struct Outcome: Sendable {
    public var status: RunStatus
    /// Per stage: items done, cached and failed; `seconds` from its first item's start to its
    /// last item's end (stages overlap); `busy` the sum of its items' compute times (a
    /// micro-batch's time shared among its items), which says where the machine's time went.
    public var stages: [(stage: String, done: Int, cached: Int, failed: Int, seconds: Double, busy: Double)]
    public var failures: [(stage: String, item: String, message: String)]
    /// The first files written, in path order (all of them are the run's artifacts in the catalog).
    public var outputs: [(stage: String, item: String, path: String)]
    /// How many files the run wrote.
    public var outputCount = 0
    /// Items that succeeded with a remark (a photo in which no face was found), the first 100.
    public var notes: [(stage: String, item: String, message: String)] = []
    public var noteCount = 0
    /// Largest number of items waiting in any queue between stages.
    public var peakQueued: Int
    public var recordingError: String?
  }

  struct FailFast: Error {}

  /// Runs the plan to the end, or until the task is cancelled (Ctrl-C) or, with `failFast`,
  /// an item fails. Completed items stay in the cache either way.
  public func run() async -> Outcome {
    let monitor = RunMonitor(plan: plan, catalog: catalog, runID: runID, events: options.events)
    let reporter = ProgressReporter(style: options.progress, monitor: monitor)
    var channels: [String: BoundedChannel<Item>] = [:]
    for s in plan.stages where !s.stage.inputs.isEmpty {
      let capacity = options.queueCapacity ?? max(2, 2 * s.stage.concurrency * s.stage.batch)
      channels[s.stage.id] = BoundedChannel(capacity: capacity, producers: s.stage.inputs.count)
    }
    var status = RunStatus.succeeded
    do {
      try await withThrowingTaskGroup(of: Void.self) { group in
        let progressTask = Task { await reporter.loop() }
        defer { progressTask.cancel() }
        for stagePlan in plan.stages {
          group.addTask {
            let runner = StageRunner(
              plan: stagePlan, graph: plan.graph, cache: cache, monitor: monitor, channels: channels, options: options,
              context: StageContext(
                stageID: stagePlan.stage.id, parameters: stagePlan.stage.parameters, baseDirectory: baseDirectory,
                catalog: catalog, runID: runID))
            try await runner.run()
          }
        }
        try await StageRunner.firstError(of: &group)
      }
    } catch is FailFast {
      status = .failed
    } catch {
      status = Task.isCancelled || error is CancellationError ? .cancelled : .failed
      if !(error is CancellationError) {
        monitor.record(stage: "run", item: "-", key: "", status: .failed, seconds: 0, error: "\(error)")
      }
    }
    if Task.isCancelled { status = .cancelled }
    monitor.flush(wait: true)
    reporter.draw()
    if status == .succeeded, !monitor.failures.isEmpty { status = .failed }
    let counts = monitor.snapshot()
    return Outcome(
      status: status,
      stages: counts.map { c in
        (c.stage, c.done, c.cached, c.failed, (c.ended ?? Date()).timeIntervalSince(c.started ?? Date()), c.busySeconds)
      },
      failures: monitor.failures, outputs: monitor.outputs, outputCount: monitor.outputCount, notes: monitor.notes,
      noteCount: monitor.noteCount,
      peakQueued: channels.values.map(\.peakCount).max() ?? 0,
      recordingError: monitor.recordingError.map { "\($0)" })
  }
}
