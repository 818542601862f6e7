import CBLAS
import Dispatch
import Foundation

/// Work split over the machine's cores by the engine itself (batch halves of a convolution,
/// ranges of an elementwise kernel).
///
/// OpenBLAS threads each GEMM over all cores, but the engine's small GEMMs (a few hundred
/// columns, 16–128 rows) leave its worker spinning while the caller runs im2col, col2im and
/// packing alone. Giving each core its own images with a single-threaded OpenBLAS keeps both
/// busy through the whole convolution. While a split runs, OpenBLAS is set to one thread (two
/// threaded GEMMs side by side would oversubscribe the cores) and restored afterwards.
enum Parallel {
  /// Worker count: `MORPH_ENGINE_THREADS` when set (1 turns splitting off), else the active
  /// cores, at most 8.
  static let workers: Int = {
    if let v = ProcessInfo.processInfo.environment["MORPH_ENGINE_THREADS"], let n = Int(v), n >= 1 { return Swift.min(n, 64) }
    return Swift.max(1, Swift.min(8, ProcessInfo.processInfo.activeProcessorCount))
  }()

  /// Below this many floating-point operations a split costs more than it saves
  /// (`MORPH_PARALLEL_MIN_WORK` overrides, for tuning).
  static let minimumWork: Int = {
    if let v = ProcessInfo.processInfo.environment["MORPH_PARALLEL_MIN_WORK"], let n = Int(v), n >= 1 { return n }
    return 400_000
  }()

  private static let lock = NSLock()
  nonisolated(unsafe) private static var depth = 0
  nonisolated(unsafe) private static var savedThreads: Int32 = 1

  /// How many parts to cut `n` items costing `work` operations in total into.
  static func parts(_ n: Int, work: Int) -> Int {
    work < minimumWork ? 1 : Swift.max(1, Swift.min(workers, n))
  }

  /// Runs `body(part, range)` for `parts` contiguous ranges covering `0..<n`, concurrently
  /// when `parts > 1`, with OpenBLAS single-threaded meanwhile.
  static func forEachPart(_ n: Int, parts: Int, _ body: (Int, Range<Int>) -> Void) {
    if parts <= 1 {
      body(0, 0..<n)
      return
    }
    enter()
    defer { leave() }
    DispatchQueue.concurrentPerform(iterations: parts) { p in
      body(p, (p * n / parts)..<((p + 1) * n / parts))
    }
  }

  /// Runs `body(range)` over `parts(n, work:)` ranges of `0..<n` (elementwise kernels,
  /// which call no BLAS).
  static func forRanges(_ n: Int, work: Int, _ body: (Range<Int>) -> Void) {
    let p = parts(n, work: work)
    if p <= 1 {
      body(0..<n)
      return
    }
    DispatchQueue.concurrentPerform(iterations: p) { i in body((i * n / p)..<((i + 1) * n / p)) }
  }

  // Nested or concurrent splits (several threads running the engine) count depth, so
  // OpenBLAS is restored only when the last one ends.
  private static func enter() {
    lock.lock()
    if depth == 0 {
      savedThreads = openblas_get_num_threads()
      openblas_set_num_threads(1)
    }
    depth += 1
    lock.unlock()
  }

  private static func leave() {
    lock.lock()
    depth -= 1
    if depth == 0 { openblas_set_num_threads(savedThreads) }
    lock.unlock()
  }
}
