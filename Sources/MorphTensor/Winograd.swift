import CMorphKernels
import Foundation

/// 3×3 stride-1 convolutions by Winograd F(2×2, 3×3): each 2×2 output tile costs 16
/// multiplies per channel pair instead of 36, as 16 GEMMs U[ξ]·V[ξ] over all tiles of a
/// chunk of images (`morph_winograd_*` hold the transforms). Used for conv2d's forward pass
/// and its input gradient (a 3×3 stride-1 convolution with the rotated, transposed weight);
/// the weight gradient keeps im2col.
enum Winograd {
  /// `MORPH_WINOGRAD=0` turns the path off (to compare against im2col).
  static let enabled = ProcessInfo.processInfo.environment["MORPH_WINOGRAD"] != "0"

  /// Below these channel counts the transforms cost more than the multiplies they save.
  static let minimumChannels = 8

  /// Floats of transformed input and product per chunk (several images share one set of GEMMs).
  static let chunkBudget = 4 << 20

  /// Whether a convolution of this shape takes the Winograd path.
  static func applies(_ geo: ConvGeometry, inChannels: Int, outChannels: Int) -> Bool {
    enabled && geo.kernel == (3, 3) && geo.stride == 1 && geo.padding <= 2
      && inChannels >= minimumChannels && outChannels >= minimumChannels
  }

  /// The 16 transformed weight matrices of `w` (cout×cin×3×3): [16][cout][cin], or with
  /// `transposeFlip` those of the input-gradient convolution, [16][cin][cout].
  static func weights(_ w: UnsafePointer<Float>, cout: Int, cin: Int, transposeFlip: Bool) -> [Float] {
    makeScalars(16 * cout * cin) { morph_winograd_weights(w, Int32(cout), Int32(cin), transposeFlip ? 1 : 0, $0) }
  }

  /// `out` (n×cout×oh×ow, oh = h + 2·pad − 2) = the 3×3 convolution of `x` (n×cin×h×w) whose
  /// transformed weights are `u` ([16][cout][cin]), then bias and ReLU when given.
  static func convolve(
    _ x: UnsafePointer<Float>, n: Int, cin: Int, h: Int, w: Int, pad: Int, u: UnsafePointer<Float>, cout: Int,
    epilogue: ConvEpilogue?, out: UnsafeMutablePointer<Float>
  ) {
    let oh = h + 2 * pad - 2, ow = w + 2 * pad - 2
    let th = (oh + 1) / 2, tw = (ow + 1) / 2, tiles = th * tw
    let perImage = 16 * (cin + cout) * tiles
    let parts = Parallel.parts(n, work: 2 * n * cout * cin * 16 * tiles)
    Parallel.forEachPart(n, parts: parts) { _, range in
      let chunk = Swift.max(1, Swift.min(range.count, chunkBudget / Swift.max(perImage, 1)))
      let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * cin * chunk * tiles)
      let m = UnsafeMutablePointer<Float>.allocate(capacity: 16 * cout * chunk * tiles)
      let pbuf = UnsafeMutablePointer<Float>.allocate(capacity: (2 * th + 2) * (2 * tw + 2))
      defer {
        v.deallocate()
        m.deallocate()
        pbuf.deallocate()
      }
      for start in stride(from: range.lowerBound, to: range.upperBound, by: chunk) {
        let cnt = Swift.min(chunk, range.upperBound - start), p = cnt * tiles
        morph_winograd_input(
          x + start * cin * h * w, Int32(cnt), Int32(cin), Int32(h), Int32(w), Int32(pad), Int32(th), Int32(tw), v, p, pbuf)
        for xi in 0..<16 {
          // M[ξ] (cout × p) = U[ξ] (cout × cin) · V[ξ] (cin × p)
          sgemm(
            transA: false, transB: false, m: cout, n: p, k: cin, a: u + xi * cout * cin, lda: cin,
            b: v + xi * cin * p, ldb: p, c: m + xi * cout * p, ldc: p)
        }
        morph_winograd_output(
          m, Int32(cnt), Int32(cout), Int32(oh), Int32(ow), Int32(th), Int32(tw), p, epilogue?.bias,
          epilogue?.relu == true ? 1 : 0, out + start * cout * oh * ow)
      }
    }
  }
}
