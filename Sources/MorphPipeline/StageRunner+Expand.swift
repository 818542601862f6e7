import Foundation
import MorphCatalog

/// The two shapes whose items are not known before the run: `expand` (one item → 0…n items
/// `<id>#<k>`) and `group` (the items of one parent → one item).
///
/// An expansion is cached as a manifest record under the input's key (the number of outputs,
/// each output's face, a note) plus each output's payload under a key derived from the input
/// key and `k`; an output that is the input's own payload is not stored twice. The manifest
/// is written last, so a run killed between the two leaves no manifest and recomputes.
extension StageRunner {
  // MARK: - Expansions

  func runExpand(_ forward: @escaping @Sendable (Item) async throws -> Void) async throws {
    guard let input = channels[stage.id] else { return }
    let body = try start()
    guard case .expand(let expand) = body else {
      throw PipelineError.stage(stage: stage.id, message: "`\(descriptor.name)` did not start as an expanding stage")
    }
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<max(1, stage.concurrency) {
        group.addTask {
          while let item = try await input.receive() {
            try Task.checkCancellation()
            let k = try key([item.key])
            if let cached = try cachedExpansion(k, input: item) {
              monitor.record(stage: stage.id, item: item.id, key: k, status: .cached, seconds: 0, note: cached.note)
              for output in cached.items { try await forward(output) }
              continue
            }
            let begin = Date()
            var result = Result { try expand(item) }
            var tries = 1
            while case .failure = result, descriptor.retryable, tries <= stage.retries {
              tries += 1
              result = Result { try expand(item) }
            }
            let outputs: [Item]
            let manifest: Result<Payload, Error>
            var note: String?
            switch result {
            case .failure(let error):
              outputs = []
              manifest = .failure(error)
            case .success(let expansion):
              note = expansion.note ?? (expansion.outputs.isEmpty ? "no outputs" : nil)
              do {
                outputs = try store(expansion, of: item, key: k)
                manifest = .success(.record(Self.manifest(expansion, note: note)))
              } catch {
                outputs = []
                manifest = .failure(PipelineError.item(stage: stage.id, item: item.id, message: "cache: \(error)"))
              }
            }
            guard try finish(item.id, key: k, result: manifest, started: begin, note: note) != nil else { continue }
            for output in outputs { try await forward(output) }
          }
        }
      }
      try await Self.firstError(of: &group)
    }
  }

  /// The key of output `k` of the input whose key is `inputKey`: the same for the same input,
  /// stage, parameters and model, so the stages after it find their cached results.
  func outputKey(_ inputKey: String, _ k: Int) throws -> String { try key([inputKey, "#\(k)"]) }

  /// Stores the outputs' own payloads (when caching) and returns the items to send on.
  func store(_ expansion: Expansion, of item: Item, key k: String) throws -> [Item] {
    try expansion.outputs.enumerated().map { n, output in
      let outKey = try outputKey(item.key, n)
      if caches, let payload = output.payload { try cache.store(payload, key: outKey) }
      return Item(
        id: "\(item.id)#\(n)", ordinal: item.ordinal, key: outKey, payload: output.payload ?? item.payload,
        origin: item.origin, face: output.face ?? item.face)
    }
  }

  /// The record describing an expansion in the cache.
  static func manifest(_ expansion: Expansion, note: String?) -> [String: String] {
    var fields = ["count": String(expansion.outputs.count)]
    if let note { fields["note"] = note }
    for (n, output) in expansion.outputs.enumerated() {
      if output.payload == nil { fields["f\(n).input"] = "1" }
      if let face = output.face { fields.merge(face.fields(prefix: "f\(n).")) { a, _ in a } }
    }
    return fields
  }

  /// The outputs of a cached expansion of `item`, or nil when any part is missing.
  func cachedExpansion(_ k: String, input item: Item) throws -> (items: [Item], note: String?)? {
    guard case .record(let fields)? = cachedPayload(k), let count = fields["count"].flatMap(Int.init), count >= 0 else {
      return nil
    }
    var items: [Item] = []
    for n in 0..<count {
      let outKey = try outputKey(item.key, n)
      let face = ItemFace(fields: fields, prefix: "f\(n).")
      let payload = fields["f\(n).input"] == "1" ? item.payload : cache.load(outKey)
      guard let payload else { return nil }
      items.append(
        Item(
          id: "\(item.id)#\(n)", ordinal: item.ordinal, key: outKey, payload: payload, origin: item.origin,
          face: face ?? item.face))
    }
    return (items, fields["note"])
  }

  // MARK: - Groups

  func runGroup(_ forward: @escaping @Sendable (Item) async throws -> Void) async throws {
    guard let input = channels[stage.id] else { return }
    var groups: [String: [Item]] = [:]
    while let item = try await input.receive() { groups[parentItemID(item.id), default: []].append(item) }
    guard !groups.isEmpty else { return }
    let parents = groups.map { (parent: $0.key, members: $0.value.sorted(by: Self.memberOrder)) }
      .sorted { ($0.members[0].ordinal, $0.parent) < ($1.members[0].ordinal, $1.parent) }
    let body = try start()
    guard case .group(let combine) = body else {
      throw PipelineError.stage(stage: stage.id, message: "`\(descriptor.name)` did not start as a grouping stage")
    }
    let next = Counter()
    try await withThrowingTaskGroup(of: Void.self) { group in
      for _ in 0..<max(1, stage.concurrency) {
        group.addTask {
          while let i = next.take(below: parents.count) {
            try Task.checkCancellation()
            let (parent, members) = parents[i]
            let k = try key(members.map(\.key))
            let first = members[0]
            let origin = first.face?.origin ?? first.origin
            let ordinal = members.map(\.ordinal).min() ?? first.ordinal
            if let payload = cachedPayload(k) {
              monitor.record(stage: stage.id, item: parent, key: k, status: .cached, seconds: 0)
              if case .record(let fields) = payload, let path = fields[artifactField] {
                monitor.output(stage: stage.id, item: parent, path: path, key: k)
              }
              try await forward(Item(id: parent, ordinal: ordinal, key: k, payload: payload, origin: origin))
              continue
            }
            let begin = Date()
            let result = attempt { try combine(parent, members) }
            if let payload = try finish(parent, key: k, result: result, started: begin) {
              try await forward(Item(id: parent, ordinal: ordinal, key: k, payload: payload, origin: origin))
            }
          }
        }
      }
      try await Self.firstError(of: &group)
    }
  }

  /// Members of a group in expansion order (`#2` before `#10`), whatever order they arrived in.
  static func memberOrder(_ a: Item, _ b: Item) -> Bool {
    let ka = Int(a.id.dropFirst(parentItemID(a.id).count + 1)) ?? -1
    let kb = Int(b.id.dropFirst(parentItemID(b.id).count + 1)) ?? -1
    return (ka, a.id) < (kb, b.id)
  }
}
