import Foundation
import MorphCatalog

/// Runs one stage of a plan: takes items from its input queue, processes them with
/// `concurrency` workers in micro-batches, stores results and forwards them downstream.
struct StageRunner: Sendable {
  var plan: StagePlan
  var graph: PipelineGraph
  var cache: ContentCache
  var monitor: RunMonitor
  var channels: [String: BoundedChannel<Item>]
  var options: RunOptions
  var context: StageContext

  var stage: GraphStage { plan.stage }
  var descriptor: StageDescriptor { plan.stage.descriptor }
  /// Results are looked up and stored only for cacheable stages, and not with `--no-cache`.
  var caches: Bool { descriptor.cacheable && options.useCache }

  /// Consumers and the ids they run on (an item goes only where it is needed).
  var consumers: [(id: String, channel: BoundedChannel<Item>, multiInput: Bool)] {
    graph.consumers(of: stage.id).compactMap { c in
      channels[c].map { (c, $0, (graph.stage(c)?.inputs.count ?? 1) > 1) }
    }
  }

  func run() async throws {
    let outputs = consumers
    defer { for c in outputs { c.channel.finish() } }
    monitor.stageStarted(stage.id)
    defer { monitor.stageEnded(stage.id) }
    let emitted = Set(plan.items.filter(\.emit).map(\.id))
    // Items made at run time are not in the plan: every consumer of them runs on all.
    let forwardsAll = plan.dynamic || descriptor.shape == .expand
    let forward: @Sendable (Item) async throws -> Void = { item in
      guard forwardsAll || emitted.contains(item.id) else { return }
      for c in outputs {
        var copy = item
        if c.multiInput { copy.id = "\(stage.id)/\(item.id)" }
        try await c.channel.send(copy)
      }
    }
    // Cached results: count them, and load the ones a later stage runs on. (An expansion's
    // cached items are rebuilt from the cache as their inputs arrive, in `runExpand`.)
    for item in plan.items where item.mode == .cached && descriptor.shape != .expand {
      try Task.checkCancellation()
      monitor.record(stage: stage.id, item: item.id, key: item.key, status: .cached, seconds: 0)
      if !item.emit, descriptor.output == .records, case .record(let fields)? = cache.load(item.key),
        let path = fields[artifactField]
      {
        monitor.output(stage: stage.id, item: item.id, path: path, key: item.key)
      }
      if item.emit {
        guard let payload = cache.load(item.key) else {
          monitor.record(
            stage: stage.id, item: item.id, key: item.key, status: .failed, seconds: 0,
            error: "cached result \(item.key) vanished or is unreadable; run again to recompute it")
          continue
        }
        try await forward(Item(id: item.id, ordinal: item.ordinal, key: item.key, payload: payload, origin: item.origin))
      }
    }
    switch descriptor.shape {
    case .source: try await runSource(forward)
    case .map: try await runMap(forward)
    case .reduce: try await runReduce(forward)
    case .expand: try await runExpand(forward)
    case .group: try await runGroup(forward)
    }
  }

  func key(_ inputs: [String]) throws -> String {
    ContentCache.key(
      stage: descriptor.name, version: descriptor.version, parameters: stage.canonicalParameters,
      modelHash: try descriptor.modelHash(stage.parameters), inputs: inputs)
  }

  // MARK: - Sources

  func runSource(_ forward: @escaping @Sendable (Item) async throws -> Void) async throws {
    let work = plan.items.filter { $0.mode == .run }
    let next = Counter()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<max(1, stage.concurrency) {
        group.addTask {
          while let i = next.take(below: work.count) {
            try Task.checkCancellation()
            let item = work[i]
            guard let source = item.source else { continue }
            let start = Date()
            let result = attempt { try source.load() }
            if let payload = try finish(item.id, key: item.key, result: result, started: start) {
              try await forward(
                Item(id: item.id, ordinal: item.ordinal, key: item.key, payload: payload, origin: source.origin))
            }
          }
        }
      }
      try await Self.firstError(of: &group)
    }
  }

  // MARK: - Per-item stages

  func runMap(_ forward: @escaping @Sendable (Item) async throws -> Void) async throws {
    guard let input = channels[stage.id] else { return }
    let running = plan.dynamic || plan.items.contains { $0.mode == .run }
    guard running else {
      while try await input.receive() != nil {}
      return
    }
    // Items planned as cached were recorded (and forwarded when needed) before any input
    // arrived. An upstream stage feeding another consumer that runs sends them here too: they
    // are dropped, or the rerun of a killed run would record every cached item twice.
    let settled = Set(plan.items.filter { $0.mode == .cached }.map(\.id))
    let body = try start()
    guard case .map(let process) = body else {
      throw PipelineError.stage(stage: stage.id, message: "`\(descriptor.name)` did not start as a per-item stage")
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<max(1, stage.concurrency) {
        group.addTask {
          while true {
            var batch = try await input.receiveBatch(stage.batch)
            if batch.isEmpty { return }
            try Task.checkCancellation()
            if !settled.isEmpty {
              batch.removeAll { settled.contains($0.id) }
              if batch.isEmpty { continue }
            }
            // Results cached since planning (e.g. the inputs of a reduction that had a failed item).
            if caches {
              var fresh: [Item] = []
              for item in batch {
                let k = try key([item.key])
                if let payload = cachedPayload(k) {
                  monitor.record(stage: stage.id, item: item.id, key: k, status: .cached, seconds: 0)
                  if case .record(let fields) = payload, let path = fields[artifactField] {
                    monitor.output(stage: stage.id, item: item.id, path: path, key: k)
                  }
                  try await forward(
                    Item(id: item.id, ordinal: item.ordinal, key: k, payload: payload, origin: item.origin, face: item.face))
                } else {
                  fresh.append(item)
                }
              }
              batch = fresh
              if batch.isEmpty { continue }
            }
            let start = Date()
            var results: [Result<Payload, Error>]
            do {
              results = try process(batch)
              guard results.count == batch.count else {
                throw PipelineError.stage(stage: stage.id, message: "returned \(results.count) results for \(batch.count) items")
              }
            } catch {
              results = batch.map { _ in .failure(error) }
            }
            let share = Date().timeIntervalSince(start) / Double(batch.count)
            for (item, first) in zip(batch, results) {
              let k = try key([item.key])
              var result = first
              if case .failure = result, descriptor.retryable {
                result = attempt(after: result) { try process([item]).first?.get() ?? .record([:]) }
              }
              if let payload = try finish(item.id, key: k, result: result, started: start, seconds: share) {
                try await forward(
                  Item(id: item.id, ordinal: item.ordinal, key: k, payload: payload, origin: item.origin, face: item.face))
              }
            }
          }
        }
      }
      try await Self.firstError(of: &group)
    }
  }

  // MARK: - Reductions

  func runReduce(_ forward: @escaping @Sendable (Item) async throws -> Void) async throws {
    guard let input = channels[stage.id] else { return }
    var items: [Item] = []
    while let item = try await input.receive() { items.append(item) }
    guard let planned = plan.items.first, planned.mode == .run else { return }
    guard !items.isEmpty else {
      monitor.record(
        stage: stage.id, item: planned.id, key: planned.key, status: .failed, seconds: 0, error: "no input items reached this stage")
      return
    }
    // Items an expansion made share their parent's ordinal: the id settles their order, so
    // the reduction's key does not depend on arrival order.
    items.sort { ($0.ordinal, $0.id) < ($1.ordinal, $1.id) }
    let body = try start()
    guard case .reduce(let combine) = body else {
      throw PipelineError.stage(stage: stage.id, message: "`\(descriptor.name)` did not start as a reduction")
    }
    let k = try key(items.map(\.key))
    if let payload = cachedPayload(k) {
      monitor.record(stage: stage.id, item: planned.id, key: k, status: .cached, seconds: 0)
      try await forward(Item(id: planned.id, ordinal: 0, key: k, payload: payload))
      return
    }
    let begin = Date()
    let result = attempt { try combine(items) }
    if let payload = try finish(planned.id, key: k, result: result, started: begin) {
      try await forward(Item(id: planned.id, ordinal: 0, key: k, payload: payload))
    }
  }

  // MARK: - Shared

  /// Waits for the group's tasks, cancelling the rest at the first error (`waitForAll` would
  /// wait for every task before throwing, so a failing stage could not stop the others).
  static func firstError(of group: inout ThrowingTaskGroup<Void, Error>) async throws {
    do {
      while try await group.next() != nil {}
    } catch {
      group.cancelAll()
      throw error
    }
  }

  /// A valid cached result under `key`, if the stage caches.
  func cachedPayload(_ key: String) -> Payload? {
    guard caches, cache.contains(key), let payload = cache.load(key) else { return nil }
    if case .record = payload, !descriptor.cachedResultIsValid(payload) { return nil }
    return payload
  }

  func start() throws -> StageBody {
    do { return try descriptor.start(context) } catch let error as PipelineError {
      // Already names the stage (stages throw `.stage` themselves); naming it twice reads badly.
      if case .stage(let id, _) = error, id == stage.id { throw error }
      throw PipelineError.stage(stage: stage.id, message: "\(error)")
    } catch {
      throw PipelineError.stage(stage: stage.id, message: "\(error)")
    }
  }

  /// Runs `body`, retrying retryable stages up to `retries` more times.
  func attempt(after first: Result<Payload, Error>? = nil, _ body: () throws -> Payload) -> Result<Payload, Error> {
    var tries = first == nil ? 0 : 1
    var last = first ?? .failure(PipelineError.cancelled)
    let limit = 1 + (descriptor.retryable ? stage.retries : 0)
    while tries < limit {
      tries += 1
      last = Result { try body() }
      if case .success = last { return last }
    }
    return last
  }

  /// Stores and records a result; returns the payload to forward, or nil for a failure.
  func finish(
    _ id: String, key: String, result: Result<Payload, Error>, started: Date, seconds: Double? = nil, note: String? = nil
  ) throws -> Payload? {
    let elapsed = seconds ?? Date().timeIntervalSince(started)
    switch result {
    case .success(let payload):
      if caches {
        do { try cache.store(payload, key: key) } catch {
          monitor.record(stage: stage.id, item: id, key: key, status: .failed, seconds: elapsed, error: "cache: \(error)")
          if options.failFast { throw Scheduler.FailFast() }
          return nil
        }
      }
      if case .record(let fields) = payload, let path = fields[artifactField] {
        monitor.output(stage: stage.id, item: id, path: path, key: key)
      }
      monitor.record(stage: stage.id, item: id, key: key, status: .ok, seconds: elapsed, note: note)
      return payload
    case .failure(let error):
      monitor.record(stage: stage.id, item: id, key: key, status: .failed, seconds: elapsed, error: "\(error)")
      if options.failFast { throw Scheduler.FailFast() }
      return nil
    }
  }
}

/// A shared index handing out work items 0, 1, 2 … to workers.
final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var next = 0

  func take(below limit: Int) -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard next < limit else { return nil }
    next += 1
    return next - 1
  }
}
