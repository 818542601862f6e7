import CMorphKernels
import Foundation

/// How the process's allocator treats the engine's large, short-lived buffers.
///
/// glibc serves every block above 128 KiB (adaptively up to 32 MiB) with its own `mmap` and
/// returns it with `munmap` on free, so each training step maps, faults in and zeroes the
/// same activation-sized buffers again (kernel page clearing was ~3–5 % of a 64 px step).
/// Serving them from the heap and keeping freed memory lets a step reuse the last step's
/// pages. Peak RSS is unchanged (it is set by the largest live set, not by reuse); memory is
/// returned to the system only above `trimThreshold` of free heap.
public enum AllocatorPolicy {
  /// Blocks up to this size come from the heap (reused) instead of a private mapping.
  public static let mmapThreshold: Int32 = 256 << 20
  /// Free heap above this is returned to the system.
  public static let trimThreshold: Int32 = 1 << 30

  /// Applies the policy once per process (call before the first large allocation; the
  /// `morph` CLI does at start-up). `MORPH_ALLOCATOR=default` leaves glibc's defaults.
  public static func apply() {
    if ProcessInfo.processInfo.environment["MORPH_ALLOCATOR"] == "default" { return }
    morph_allocator_keep_heap(mmapThreshold, trimThreshold)
  }
}
