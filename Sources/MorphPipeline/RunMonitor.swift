import Foundation
import MorphCatalog

/// Collects what a run does — per-stage counts, failures, outputs — and passes each item
/// result to the catalog (in small transactions) and the event sink.
final class RunMonitor: @unchecked Sendable {
  struct StageCounts: Sendable {
    var stage: String
    /// Items planned (not skipped); -1 for a stage whose items are made at run time.
    var total: Int
    var done = 0
    var failed = 0
    var cached = 0
    var started: Date?
    var ended: Date?
    var busySeconds = 0.0
  }

  private let lock = NSLock()
  private var counts: [StageCounts]
  private var order: [String: Int] = [:]
  private(set) var failures: [(stage: String, item: String, message: String)] = []
  /// The first `listed` files written, in path order (the summary lists them; every file is
  /// in the catalog's artifacts). Bounded so that a run's memory does not grow with its items.
  private var outputList: [(stage: String, item: String, path: String)] = []
  private(set) var outputCount = 0
  /// Items that succeeded with something to say ("no face found"): the first `listed` × 10.
  private(set) var notes: [(stage: String, item: String, message: String)] = []
  private(set) var noteCount = 0
  static let listed = 10
  private var pending: [StageResult] = []
  private var lastFlush = Date()
  private let writer = DispatchQueue(label: "morph.run-records")
  let catalog: Catalog?
  let runID: Int64?
  let events: RunEventSink?
  /// First catalog write error (recording failures must not go unnoticed).
  private(set) var recordingError: Error?

  init(plan: ExecutionPlan, catalog: Catalog?, runID: Int64?, events: RunEventSink?) {
    counts = plan.stages.map {
      StageCounts(stage: $0.stage.id, total: $0.dynamic ? -1 : $0.items.filter { $0.mode != .skip }.count)
    }
    for (i, s) in plan.stages.enumerated() { order[s.stage.id] = i }
    self.catalog = catalog
    self.runID = runID
    self.events = events
  }

  func snapshot() -> [StageCounts] {
    lock.lock()
    defer { lock.unlock() }
    return counts
  }

  func stageStarted(_ stage: String) {
    lock.lock()
    if let i = order[stage], counts[i].started == nil { counts[i].started = Date() }
    let total = order[stage].map { counts[$0].total } ?? 0
    lock.unlock()
    events?.emit("stage_start", [("stage", JSONText.quote(stage)), ("items", total < 0 ? "null" : String(total))])
  }

  func stageEnded(_ stage: String) {
    lock.lock()
    var c: StageCounts?
    if let i = order[stage] {
      counts[i].ended = Date()
      c = counts[i]
    }
    lock.unlock()
    if let c {
      events?.emit(
        "stage_end",
        [
          ("stage", JSONText.quote(stage)), ("done", String(c.done)), ("cached", String(c.cached)),
          ("failed", String(c.failed)),
          ("seconds", String(format: "%.3f", (c.ended ?? Date()).timeIntervalSince(c.started ?? Date()))),
        ])
    }
  }

  /// Records one item's outcome at one stage. A `note` on a success is kept in the record's
  /// message (the catalog's `error` column) and in `notes`.
  func record(
    stage: String, item: String, key: String, status: StageStatus, seconds: Double, error: String? = nil,
    note: String? = nil
  ) {
    let error = error ?? note
    lock.lock()
    if let i = order[stage] {
      switch status {
      case .ok: counts[i].done += 1
      case .cached: counts[i].cached += 1
      case .failed: counts[i].failed += 1
      case .skipped: break
      }
      counts[i].busySeconds += seconds
    }
    if status == .failed { failures.append((stage, item, error ?? "failed")) }
    if status != .failed, let note {
      noteCount += 1
      if notes.count < 10 * Self.listed { notes.append((stage, item, note)) }
    }
    if let runID {
      pending.append(
        StageResult(runID: runID, stage: stage, item: item, cacheKey: key, status: status, error: error, durationSeconds: seconds))
    }
    let flush = pending.count >= 2048 || (pending.count > 0 && Date().timeIntervalSince(lastFlush) > 0.5)
    lock.unlock()
    if let events {
      if status == .failed {
        events.emit(
          "item_failed", [("stage", JSONText.quote(stage)), ("item", JSONText.quote(item)), ("error", JSONText.quote(error ?? ""))])
      } else {
        events.emit(
          "item_done",
          [
            ("stage", JSONText.quote(stage)), ("item", JSONText.quote(item)), ("status", JSONText.quote(status.rawValue)),
            ("seconds", String(format: "%.4f", seconds)),
          ] + (note.map { [("note", JSONText.quote($0))] } ?? []))
      }
    }
    if flush { self.flush() }
  }

  /// Notes a file the run wrote (recorded as an artifact with its hash).
  func output(stage: String, item: String, path: String, key: String) {
    lock.lock()
    outputCount += 1
    outputList.append((stage, item, path))
    if outputList.count >= 4 * Self.listed { outputList = Self.first(outputList) }
    lock.unlock()
    guard let catalog, let runID else { return }
    do {
      try catalog.recordArtifact(
        ArtifactRecord.describing(fileAt: URL(fileURLWithPath: path), runID: runID, stage: stage, item: item, cacheKey: key))
    } catch {
      noteRecordingError(error)
    }
  }

  /// The first files written, in path order.
  var outputs: [(stage: String, item: String, path: String)] {
    lock.lock()
    defer { lock.unlock() }
    return Self.first(outputList)
  }

  static func first(_ list: [(stage: String, item: String, path: String)]) -> [(stage: String, item: String, path: String)] {
    // Workers finish in any order; a listing in path order is one a person can scan.
    Array(list.sorted { $0.path.localizedStandardCompare($1.path) == .orderedAscending }.prefix(listed))
  }

  /// Writes buffered item results to the catalog in one transaction, on a serial queue so the
  /// stages go on meanwhile; `wait` also waits for every earlier write (end of run).
  func flush(wait: Bool = false) {
    lock.lock()
    let batch = pending
    pending.removeAll(keepingCapacity: true)
    lastFlush = Date()
    lock.unlock()
    let write: @Sendable () -> Void = { [self] in
      guard let catalog, !batch.isEmpty else { return }
      do { try catalog.recordStageResults(batch) } catch { noteRecordingError(error) }
    }
    if wait { writer.sync(execute: write) } else { writer.async(execute: write) }
  }

  private func noteRecordingError(_ error: Error) {
    lock.lock()
    if recordingError == nil { recordingError = error }
    lock.unlock()
  }
}
