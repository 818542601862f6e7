import CMorphKernels
import Foundation

/// How the process's allocator treats the engine's large, short-lived buffers.
///
/// glibc serves every block above 128 KiB (adaptively up to 32 MiB) with its own `mmap` and
/// returns it with `munmap` on free, so each training step maps, faults in and zeroes the
/// same activation-sized buffers again (kernel page clearing was ~3–5 % of a 64 px step).
/// Serving them from the heap and keeping freed memory lets a step reuse the last step's
/// pages. Setting the thresholds also turns off glibc's own adaptive threshold. Measured
/// (`morph bench engine`, 2 cores): infer 64 px 0.098 → 0.078 s, train 64 px 0.276 → 0.244 s,
/// train 128 px peak RSS 1,988 → 2,013 MB.
public enum AllocatorPolicy {
  /// Blocks up to this size come from the heap (reused) instead of a private mapping. Larger
  /// ones (a 128 px activation of 64 channels is 32 MiB at batch 8) keep their own mapping, so
  /// they go back to the system at once and per-thread heaps do not grow with them: with a
  /// 256 MiB threshold the 128 px train step's peak RSS rose by 6–25 %.
  public static let mmapThreshold: Int32 = 32 << 20
  /// Free heap above this is returned to the system.
  public static let trimThreshold: Int32 = 1 << 30
  /// Heaps (glibc arenas) at most: one per core. glibc's default, 8 per core, gives each of a
  /// run's dozen threads its own heap, and since freed memory is kept (above), the process
  /// holds every heap's own peak: the total crept up window after window as threads met
  /// their largest buffers (a folder edit, 5,000 faces 169 MB, 50,000 faces 215 MB). With one
  /// heap per core the 5,000-face run peaked at 147 MB (docs/scale-out.md, "Memory").
  public static let arenaMax: Int32 = Int32(Swift.max(2, ProcessInfo.processInfo.activeProcessorCount))

  /// Applies the policy once per process (call before the first large allocation; the
  /// `morph` CLI does at start-up). `MORPH_ALLOCATOR=default` leaves glibc's defaults.
  public static func apply() {
    if ProcessInfo.processInfo.environment["MORPH_ALLOCATOR"] == "default" { return }
    morph_allocator_keep_heap(mmapThreshold, trimThreshold, arenaMax)
  }
}
