import Foundation
import MorphPipeline
import XCTest

/// Thread-safe counters the test-only stages report through.
final class Probe: @unchecked Sendable {
  private let lock = NSLock()
  private var values: [String: Int] = [:]
  private var maxima: [String: Int] = [:]
  private var lists: [String: [Int]] = [:]

  func add(_ name: String, _ delta: Int = 1) {
    lock.lock()
    values[name, default: 0] += delta
    maxima[name] = max(maxima[name] ?? 0, values[name] ?? 0)
    lock.unlock()
  }

  func append(_ name: String, _ value: Int) {
    lock.lock()
    lists[name, default: []].append(value)
    lock.unlock()
  }

  func value(_ name: String) -> Int { lock.lock(); defer { lock.unlock() }; return values[name] ?? 0 }
  func peak(_ name: String) -> Int { lock.lock(); defer { lock.unlock() }; return maxima[name] ?? 0 }
  func list(_ name: String) -> [Int] { lock.lock(); defer { lock.unlock() }; return lists[name] ?? [] }
}

/// Stages that exist only in tests, to drive the scheduler into each situation.
enum TestStages {
  /// `blobs`: `count` items of `kib` KiB of Float32 each (touching every page), counting them as produced.
  static func blobs(_ probe: Probe) -> StageDescriptor {
    StageDescriptor(
      name: "blobs", summary: "test source", shape: .source, input: nil, output: .tensors,
      parameters: [ParameterSpec("count", .int, "items"), ParameterSpec("kib", .int, default: .int(1), "size")],
      cacheable: false, concurrency: 1
    ) { context in
      let count = context.int("count"), floats = context.int("kib") * 256
      return .source {
        (0..<count).map { n in
          SourceItem(id: "b\(n)", contentKey: "blob:\(n)") {
            probe.add("inflight")
            return .tensor(shape: [floats], data: [Float](repeating: Float(n), count: floats))
          }
        }
      }
    }
  }

  /// `slow-sink`: waits `ms` per item, counting it as consumed; samples resident memory.
  static func slowSink(_ probe: Probe) -> StageDescriptor {
    StageDescriptor(
      name: "slow-sink", summary: "test sink", shape: .map, input: .tensors, output: .records,
      parameters: [ParameterSpec("ms", .int, default: .int(2), "wait")], cacheable: false, concurrency: 1
    ) { context in
      let ms = context.int("ms")
      return .map { items in
        items.map { _ in
          usleep(useconds_t(ms * 1000))
          probe.append("rss", residentKiB())
          probe.add("inflight", -1)
          return .success(.record([:]))
        }
      }
    }
  }

  /// `fail-on`: fails the records whose index is listed in `bad` ("3,7").
  static let failOn = StageDescriptor(
    name: "fail-on", summary: "test", shape: .map, input: .records, output: .records,
    parameters: [ParameterSpec("bad", .string, "indices")], concurrency: 2
  ) { context in
    let bad = Set(context.string("bad").split(separator: ",").compactMap { Int($0) })
    return .map { items in
      items.map { item in
        guard case .record(let r) = item.payload, let n = r["index"].flatMap(Int.init) else {
          return .failure(PipelineError.item(stage: "fail-on", item: item.id, message: "no index"))
        }
        return bad.contains(n) ? .failure(PipelineError.item(stage: "fail-on", item: item.id, message: "bad item \(n)")) : .success(item.payload)
      }
    }
  }

  /// `flaky`: retryable; every item fails on its first attempt.
  static func flaky(_ probe: Probe) -> StageDescriptor {
    StageDescriptor(
      name: "flaky", summary: "test", shape: .map, input: .records, output: .records, retryable: true, cacheable: false
    ) { _ in
      let seen = Probe()
      return .map { items in
        items.map { item in
          probe.add("attempts")
          seen.add(item.id)
          return seen.value(item.id) == 1 ? .failure(PipelineError.item(stage: "flaky", item: item.id, message: "busy")) : .success(item.payload)
        }
      }
    }
  }

  /// `watch`: records batch sizes and peak concurrent batches.
  static func watch(_ probe: Probe) -> StageDescriptor {
    StageDescriptor(
      name: "watch", summary: "test", shape: .map, input: .records, output: .records, cacheable: false, concurrency: 2, batch: 1
    ) { _ in
      .map { items in
        probe.add("running")
        probe.append("batch", items.count)
        usleep(3000)
        probe.add("running", -1)
        return items.map { .success($0.payload) }
      }
    }
  }

  static func registry(_ probe: Probe) -> StageRegistry {
    var registry = StageRegistry.builtIn
    for stage in [blobs(probe), slowSink(probe), failOn, flaky(probe), watch(probe)] { registry.register(stage) }
    return registry
  }
}

/// Resident set size of this process now, in KiB (Linux /proc; 0 elsewhere).
func residentKiB() -> Int {
  guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
  for line in status.split(separator: "\n") where line.hasPrefix("VmRSS:") {
    return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
  }
  return 0
}

/// A fresh temporary folder, removed when the test ends.
func temporaryFolder(_ test: XCTestCase) -> URL {
  let url = FileManager.default.temporaryDirectory.appendingPathComponent("morph-pipeline-\(UUID().uuidString)")
  try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
  test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
  return url
}

