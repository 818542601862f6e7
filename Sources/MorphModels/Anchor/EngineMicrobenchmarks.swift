import Foundation
import MorphTensor

/// Reference points for the engine benchmark: the machine's sgemm rate through OpenBLAS (the
/// ceiling the convolutions are measured against) and single-layer convolution timings.
public enum EngineMicrobenchmarks {
  /// Best GFLOP/s of a square row-major sgemm of side `side` over `repetitions` runs, with
  /// OpenBLAS threaded over all cores, after one warm-up.
  public static func sgemmPeak(side: Int = 2048, repetitions: Int = 5) -> Double {
    withBLASThreads(ProcessInfo.processInfo.activeProcessorCount) { sgemmRate(side: side, repetitions: repetitions) }
  }

  private static func sgemmRate(side: Int, repetitions: Int) -> Double {
    let a = [Float](repeating: 0.5, count: side * side), b = [Float](repeating: 0.25, count: side * side)
    var c = [Float](repeating: 0, count: side * side)
    var best = Double.infinity
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        c.withUnsafeMutableBufferPointer { pc in
          guard let pa = pa.baseAddress, let pb = pb.baseAddress, let pc = pc.baseAddress else { return }
          for rep in 0...Swift.max(repetitions, 1) {
            let start = DispatchTime.now().uptimeNanoseconds
            sgemm(transA: false, transB: false, m: side, n: side, k: side, a: pa, lda: side, b: pb, ldb: side, c: pc, ldc: side)
            let dt = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            if rep > 0 { best = Swift.min(best, dt) }
          }
        }
      }
    }
    return 2 * Double(side * side * side) / best / 1e9
  }

  /// Best seconds and the counted operations of one 3×3 padded convolution of a
  /// `batch`×`channels`×`size`×`size` input to `channels` outputs, forward only or with
  /// both gradients (`backward`).
  public static func conv3x3(batch: Int, channels: Int, size: Int, backward: Bool, repetitions: Int = 3) throws
    -> (seconds: Double, flops: Int)
  {
    var rng = RandomGenerator(seed: 1)
    let x = Tensor.randn([batch, channels, size, size], rng: &rng).requiringGrad()
    let w = Tensor.randn([channels, channels, 3, 3], std: 0.05, rng: &rng).requiringGrad()
    var best = Double.infinity, flops = 0
    for rep in 0...Swift.max(repetitions, 1) {
      FlopCounter.reset()
      let start = DispatchTime.now().uptimeNanoseconds
      if backward {
        _ = try conv2d(x, w, padding: 1).sum().gradients(wrt: [x, w])
      } else {
        _ = withoutGrad { conv2d(x, w, padding: 1) }
      }
      let dt = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
      flops = FlopCounter.count
      if rep > 0 { best = Swift.min(best, dt) }
    }
    return (best, flops)
  }
}
