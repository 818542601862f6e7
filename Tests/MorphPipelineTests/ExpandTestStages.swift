import Foundation
import MorphImaging
import MorphPipeline

/// Test-only stages for the run-time shapes: an expansion and a regrouping over records.
enum ExpandTestStages {
  /// `split`: record `{index: n}` → `n % 3` records `{index: n, part: k}`, each with a face
  /// whose index is `k` and whose score is `n`; fails the inputs listed in `bad`.
  static func split(_ probe: Probe) -> StageDescriptor {
    StageDescriptor(
      name: "split", summary: "test expand", shape: .expand, input: .records, output: .records,
      parameters: [ParameterSpec("bad", .string, default: .string(""), "indices that fail")], concurrency: 2
    ) { context in
      let bad = Set(context.string("bad").split(separator: ",").compactMap { Int($0) })
      return .expand { item in
        probe.add("split")
        guard case .record(let r) = item.payload, let n = r["index"].flatMap(Int.init) else {
          throw PipelineError.item(stage: "split", item: item.id, message: "no index")
        }
        if bad.contains(n) { throw PipelineError.item(stage: "split", item: item.id, message: "cannot split \(n)") }
        let points = try FaceLandmarks(flat: (0..<10).map { Double($0 + n) })
        let outputs = (0..<(n % 3)).map { k in
          Expansion.Output(
            payload: .record(["index": String(n), "part": String(k)]),
            face: ItemFace(
              index: k, box: .init(x0: 0, y0: 0, x1: 10, y1: 10), score: Double(n), landmarks: points, photoWidth: 100,
              photoHeight: 80, origin: URL(fileURLWithPath: "/photos/\(n).jpg")))
        }
        return Expansion(outputs: outputs, note: outputs.isEmpty ? "nothing to split" : nil)
      }
    }
  }

  /// `join`: the parts of one parent → `{parent, parts: "0,1", faces: count with a face, score}`.
  static func join(_ probe: Probe) -> StageDescriptor {
    StageDescriptor(
      name: "join", summary: "test group", shape: .group, input: .records, output: .records, concurrency: 2
    ) { _ in
      .group { parent, members in
        probe.add("join")
        let parts = members.compactMap { m -> String? in
          guard case .record(let r) = m.payload else { return nil }
          return r["part"]
        }
        return .record([
          "parent": parent, "parts": parts.joined(separator: ","),
          "faces": String(members.filter { $0.face?.index == Int($0.id.split(separator: "#").last ?? "") }.count),
          "landmark0": members.first?.face.map { "\($0.landmarks.leftEye.x)" } ?? "",
        ])
      }
    }
  }

  /// `collect`: a reduction writing every input's id and fields into the probe's log.
  static func collect(_ log: Log) -> StageDescriptor {
    StageDescriptor(
      name: "collect", summary: "test reduce", shape: .reduce, input: .records, output: .records, cacheable: false
    ) { _ in
      .reduce { items in
        for item in items {
          if case .record(let r) = item.payload { log.add(item.id, r) }
        }
        return .record(["count": String(items.count)])
      }
    }
  }

  /// A thread-safe log of records by item id.
  final class Log: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String: [String: String]] = [:]
    func add(_ id: String, _ r: [String: String]) { lock.lock(); entries[id] = r; lock.unlock() }
    var all: [String: [String: String]] { lock.lock(); defer { lock.unlock() }; return entries }
  }
}
