import Foundation
import MorphCatalog

/// What a run will do with one item at one stage.
public enum ItemMode: String, Sendable {
  /// Compute it.
  case run
  /// Its result is in the cache (loaded only if a stage downstream must run on it).
  case cached
  /// Nothing downstream needs it.
  case skip
}

/// One item at one stage in a plan.
public struct PlannedItem: Sendable {
  public var id: String
  public var ordinal: Int
  /// The result's cache key.
  public var key: String
  public var mode: ItemMode
  /// Why this mode was chosen (shown by `morph explain`).
  public var reason: String
  /// A stage downstream runs on this item, so its payload must be produced or loaded.
  public var emit = false
  /// For source stages: how to produce the item.
  public var source: SourceItem?
  /// The file the item came from (kept so a result loaded from the cache still names it).
  public var origin: URL?
}

/// One stage of a plan: its items and, for sources, the started stage.
public struct StagePlan: Sendable {
  public var stage: GraphStage
  public var items: [PlannedItem]
  public var sourceError: String?
  /// Downstream of an `expand` (or a `group`): the items are not known before the run, so
  /// the stage runs on whatever arrives, looking each result up in the cache as it comes.
  public var dynamic = false

  public var runCount: Int { items.filter { $0.mode == .run }.count }
  public var cachedCount: Int { items.filter { $0.mode == .cached }.count }
  public var skippedCount: Int { items.filter { $0.mode == .skip }.count }

  func index(of id: String) -> Int? { items.firstIndex { $0.id == id } }
}

/// Per stage and item: run, reuse from the cache, or skip — decided before anything runs.
public struct ExecutionPlan: Sendable {
  public var graph: PipelineGraph
  public var stages: [StagePlan]
  /// The part of the items this plan covers (`--shard K/N`); nil for all of them.
  public var shard: Shard? = nil

  public func stage(_ id: String) -> StagePlan? { stages.first { $0.stage.id == id } }

  /// A table for `morph plan`: per stage, items to run and items cached.
  public var table: String {
    let width = max(5, stages.map { $0.stage.id.count }.max() ?? 0)
    var lines = ["stage".padding(toLength: width, withPad: " ", startingAt: 0) + "  uses          items    run  cached  skipped"]
    for s in stages {
      let name = s.stage.id.padding(toLength: width, withPad: " ", startingAt: 0)
      let uses = s.stage.descriptor.name.padding(toLength: 12, withPad: " ", startingAt: 0)
      if s.dynamic {
        lines.append("\(name)  \(uses)      ?      ?       ?        ?  (items made at run time; each looked up in the cache)")
        continue
      }
      lines.append(
        "\(name)  \(uses)  \(pad(s.items.count, 5))  \(pad(s.runCount, 5))  \(pad(s.cachedCount, 6))  \(pad(s.skippedCount, 7))"
          + (s.sourceError.map { "  ! \($0)" } ?? ""))
    }
    return lines.joined(separator: "\n")
  }

  private func pad(_ n: Int, _ width: Int) -> String {
    let s = String(n)
    return String(repeating: " ", count: max(0, width - s.count)) + s
  }
}

/// Builds an `ExecutionPlan`: lists source items, derives every (stage, item) cache key from
/// the input content upwards, then walks back from the last stages marking what must run.
public struct Planner {
  public var cache: ContentCache
  public var baseDirectory: URL
  /// The catalog source stages read (e.g. `select`) or write to (`ingest`).
  public var catalog: Catalog?
  /// false: plan every needed item to run, ignoring cached results.
  public var useCache: Bool

  public init(cache: ContentCache, baseDirectory: URL, catalog: Catalog? = nil, useCache: Bool = true) {
    self.useCache = useCache
    self.cache = cache
    self.baseDirectory = baseDirectory
    self.catalog = catalog
  }

  /// Plans `graph`. `onlyItems` limits the run to those source items, `shard` to the source
  /// items of one shard (per-item stages only either way: reductions over all items are
  /// skipped, every per-item result counts as an output, so that a whole run afterwards finds
  /// each of them cached and draws only its reductions).
  /// `window` plans only those source items and changes nothing else (a run in windows,
  /// `PipelineRun`, plans each window of items in turn).
  public func plan(
    _ graph: PipelineGraph, onlyItems: Set<String>? = nil, shard: Shard? = nil, window: Set<String>? = nil
  ) throws -> ExecutionPlan {
    let partial = onlyItems != nil || shard != nil
    var plans: [StagePlan] = []
    var index: [String: Int] = [:]
    for stage in graph.stages {
      var items: [PlannedItem] = []
      let d = stage.descriptor
      let upstream = stage.inputs.compactMap { index[$0].map { plans[$0] } }
      let dynamic =
        d.shape == .group
        || upstream.contains { $0.dynamic || $0.stage.descriptor.shape == .expand }
      if dynamic, d.shape != .reduce {
        index[stage.id] = plans.count
        plans.append(StagePlan(stage: stage, items: [], dynamic: true))
        continue
      }
      let modelHash = try d.modelHash(stage.parameters)
      func key(_ inputs: [String]) -> String {
        ContentCache.key(
          stage: d.name, version: d.version, parameters: stage.canonicalParameters, modelHash: modelHash, inputs: inputs)
      }
      switch d.shape {
      case .source:
        var context = StageContext(
          stageID: stage.id, parameters: stage.parameters, baseDirectory: baseDirectory, catalog: catalog)
        if onlyItems != nil || shard != nil || window != nil {
          context.takesItem = { id in
            (onlyItems?.contains(id) ?? true) && (shard?.contains(id) ?? true) && (window?.contains(id) ?? true)
          }
        }
        let body = try d.start(context)
        guard case .source(let list) = body else {
          throw PipelineError.stage(stage: stage.id, message: "source stage `\(d.name)` did not start as a source")
        }
        let sourceItems = try list()
        for (n, s) in sourceItems.enumerated() where onlyItems?.contains(s.id) ?? true {
          if let shard, !shard.contains(s.id) { continue }
          if let window, !window.contains(s.id) { continue }
          // A source item is its content: the key leaves out the source's parameters (which
          // choose items), so changing e.g. a `limit` keeps the keys of items already seen.
          let itemKey = ContentCache.key(stage: d.name, version: d.version, parameters: "", modelHash: "", inputs: [s.contentKey])
          items.append(
            PlannedItem(id: s.id, ordinal: s.ordinal ?? n, key: itemKey, mode: .run, reason: "", source: s, origin: s.origin))
        }
      case .map, .expand:
        for input in stage.inputs {
          guard let upstream = index[input].map({ plans[$0] }) else { continue }
          for u in upstream.items {
            let id = stage.inputs.count > 1 ? "\(input)/\(u.id)" : u.id
            items.append(PlannedItem(id: id, ordinal: u.ordinal, key: key([u.key]), mode: .run, reason: "", origin: u.origin))
          }
        }
      case .group:
        break  // planned dynamically above
      case .reduce:
        if !partial {
          let inputs = stage.inputs.compactMap { index[$0].map { plans[$0] } }.flatMap(\.items)
            .sorted { $0.ordinal < $1.ordinal }
          items.append(PlannedItem(id: stage.id, ordinal: 0, key: key(inputs.map(\.key)), mode: .run, reason: ""))
        }
      }
      index[stage.id] = plans.count
      plans.append(StagePlan(stage: stage, items: items))
    }
    markNeeded(&plans, graph: graph, index: index, everyItemIsFinal: partial)
    return ExecutionPlan(graph: graph, stages: plans, shard: shard)
  }

  /// The ids of the items the run will take, in order, when the graph can run in windows of
  /// items: one source stage that names its items before reading them (`load`: see
  /// `StageContext.takesItem`), no reduction or regrouping (they need every item at once).
  /// nil otherwise. Nothing is hashed or loaded: the source only lists names.
  public func windowableItemIDs(_ graph: PipelineGraph, onlyItems: Set<String>? = nil, shard: Shard? = nil) throws -> [String]? {
    let sources = graph.stages.filter { $0.descriptor.shape == .source }
    guard sources.count == 1, let stage = sources.first,
      !graph.stages.contains(where: { $0.descriptor.shape == .reduce || $0.descriptor.shape == .group })
    else { return nil }
    let names = NameList()
    var context = StageContext(stageID: stage.id, parameters: stage.parameters, baseDirectory: baseDirectory, catalog: catalog)
    context.takesItem = { id in
      if (onlyItems?.contains(id) ?? true) && (shard?.contains(id) ?? true) { names.append(id) }
      return false
    }
    guard case .source(let list) = try stage.descriptor.start(context) else { return nil }
    let listed = try list()
    // A source that ignored `takesItem` (it lists everything at once) runs in one window.
    guard listed.isEmpty else { return nil }
    return names.values
  }

  /// Walks from the last stages back: an item is needed when a consumer runs on it (or it is
  /// a final output); a needed item with a valid cached result is reused and needs nothing
  /// upstream.
  /// With `everyItemIsFinal` (retrying chosen items, reductions skipped) every per-item stage
  /// result counts as an output in itself.
  func markNeeded(_ plans: inout [StagePlan], graph: PipelineGraph, index: [String: Int], everyItemIsFinal: Bool = false) {
    // Ids each stage runs on, filled in as the walk passes it (consumers come first).
    var running: [Int: Set<String>] = [:]
    for p in plans.indices.reversed() {
      // An expansion takes its input even when cached (see below).
      let takesInput: (PlannedItem) -> Bool = { [shape = plans[p].stage.descriptor.shape] in
        $0.mode == .run || (shape == .expand && $0.mode == .cached)
      }
      defer { running[p] = Set(plans[p].items.filter(takesInput).map(\.id)) }
      let stage = plans[p].stage
      let consumers = graph.consumers(of: stage.id).compactMap { index[$0] }
      for i in plans[p].items.indices {
        let item = plans[p].items[i]
        var neededBy: [String] = []
        for c in consumers {
          let consumer = plans[c]
          let id = consumer.stage.inputs.count > 1 ? "\(stage.id)/\(item.id)" : item.id
          let runs =
            consumer.dynamic
            ? true
            : consumer.stage.descriptor.shape == .reduce
              ? consumer.items.first?.mode == .run
              : running[c]?.contains(id) ?? false
          if runs { neededBy.append(consumer.stage.id) }
        }
        let final = consumers.isEmpty || everyItemIsFinal
        plans[p].items[i].emit = !neededBy.isEmpty
        guard final || !neededBy.isEmpty else {
          plans[p].items[i].mode = .skip
          plans[p].items[i].reason = "no later stage needs it (their results are cached)"
          continue
        }
        let inputsDynamic = stage.descriptor.shape == .reduce && stage.inputs.contains { input in
          index[input].map { plans[$0].dynamic || plans[$0].stage.descriptor.shape == .expand } ?? false
        }
        if stage.descriptor.shape == .expand {
          // A cached expansion still needs its input (the outputs may be the input itself):
          // the input is produced either way, and the outputs rebuilt from the cache.
          let cached = useCache && stage.descriptor.cacheable && cache.contains(item.key)
          plans[p].items[i].mode = cached ? .cached : .run
          plans[p].items[i].reason =
            cached
            ? "expansion cached under key \(item.key.prefix(16))…; its outputs are rebuilt from it when the input arrives"
            : "no cached expansion for key \(item.key.prefix(16))…; its outputs are made at run time"
        } else if inputsDynamic {
          // A reduction over items made at run time is looked up when its inputs are known.
          plans[p].items[i].mode = .run
          plans[p].items[i].reason = "its inputs are made at run time; a cached result is looked up then"
        } else if useCache, stage.descriptor.cacheable, cache.contains(item.key), isValid(item.key, stage.descriptor) {
          plans[p].items[i].mode = .cached
          plans[p].items[i].reason = "result cached under key \(item.key.prefix(16))…"
        } else {
          plans[p].items[i].mode = .run
          plans[p].items[i].reason =
            stage.descriptor.cacheable
            ? "no cached result for key \(item.key.prefix(16))… (new input, parameters, stage version or model)"
            : "stage `\(stage.descriptor.name)` is not cached; it runs whenever its output is needed"
        }
      }
    }
  }

  func isValid(_ key: String, _ descriptor: StageDescriptor) -> Bool {
    guard descriptor.output == .records else { return true }
    guard let payload = cache.load(key) else { return false }
    return descriptor.cachedResultIsValid(payload)
  }
}

/// Names collected from a source's `takesItem` calls (which may come from any thread).
final class NameList: @unchecked Sendable {
  private let lock = NSLock()
  private(set) var values: [String] = []

  func append(_ name: String) {
    lock.lock()
    values.append(name)
    lock.unlock()
  }
}
