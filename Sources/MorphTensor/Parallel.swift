import CBLAS
import CMorphKernels
import Foundation

/// Work split over the machine's cores by the engine itself (batch halves of a convolution,
/// column ranges of a matrix product, ranges of an elementwise kernel).
///
/// OpenBLAS threads each GEMM over all cores, but the engine's small GEMMs (a few hundred
/// columns, 16–128 rows) leave its worker spinning while the caller runs im2col, col2im and
/// packing alone. Giving each core its own images with a single-threaded OpenBLAS keeps both
/// busy through the whole convolution. So OpenBLAS runs single-threaded throughout the engine
/// (set before the first GEMM): its idle workers would otherwise spin in `sched_yield` for
/// ~0.1 s after every threaded call, taking a core's time slices from the pool's threads.
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

  /// Picks OpenBLAS's kernels by the CPU's features when it did not recognise the CPU
  /// (`blas_core.c`), configures the pool (`thread_pool.c`) and makes OpenBLAS
  /// single-threaded, once, before the first region or GEMM.
  static let setUp: Void = {
    _ = morph_blas_select_core()
    morph_pool_configure(Int32(workers))
    openblas_set_num_threads(1)
  }()

  /// Runs `body(i)` for `i` in `0..<iterations` on the calling thread and the pool's helpers,
  /// returning when all are done. The pool's helpers wait for the next region spinning for a
  /// while: libdispatch's `concurrentPerform` woke its workers in ~60 µs here, which made
  /// regions under ~100 µs slower split than whole.
  static func run(_ iterations: Int, _ body: (Int) -> Void) {
    _ = setUp
    withoutActuallyEscaping(body) { task in
      var task = task
      withUnsafeMutablePointer(to: &task) { context in
        morph_pool_run(iterations, { ctx, i in
          ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(i)
        }, context)
      }
    }
  }

  /// How many parts to cut `n` items costing `work` operations in total into.
  static func parts(_ n: Int, work: Int) -> Int {
    work < minimumWork ? 1 : Swift.max(1, Swift.min(workers, n))
  }

  /// Runs `body(part, range)` for `parts` contiguous ranges covering `0..<n`, concurrently
  /// when `parts > 1`.
  static func forEachPart(_ n: Int, parts: Int, _ body: (Int, Range<Int>) -> Void) {
    if parts <= 1 {
      body(0, 0..<n)
      return
    }
    run(parts) { p in body(p, (p * n / parts)..<((p + 1) * n / parts)) }
  }

  /// Runs `body(range)` over `parts(n, work:)` ranges of `0..<n`.
  static func forRanges(_ n: Int, work: Int, _ body: (Range<Int>) -> Void) {
    let p = parts(n, work: work)
    if p <= 1 {
      body(0..<n)
      return
    }
    run(p) { i in body((i * n / p)..<((i + 1) * n / p)) }
  }

}
