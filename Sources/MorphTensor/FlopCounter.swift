import Foundation

/// Counts the floating-point operations of the engine's dense ops (convolutions and their
/// two adjoints at 2·N·Cout·Cin·kh·kw·oh·ow each, matrix products at 2·m·n·k), as a direct
/// convolution would spend them: a Winograd convolution counts the same as im2col. Benchmarks
/// divide it by wall time for GFLOP/s comparable with other frameworks' figures.
public enum FlopCounter {
  private static let lock = NSLock()
  nonisolated(unsafe) private static var total = 0

  /// Operations counted since the last `reset()`.
  public static var count: Int {
    lock.lock()
    defer { lock.unlock() }
    return total
  }

  /// Sets the count to zero.
  public static func reset() {
    lock.lock()
    total = 0
    lock.unlock()
  }

  static func add(_ flops: Int) {
    lock.lock()
    total &+= flops
    lock.unlock()
  }
}
