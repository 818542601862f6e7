@testable import MorphTensor
import XCTest

/// Asserts equal shapes and elements within 1e-4 relative (convolution sums in another order).
func assertClose(_ a: Tensor, _ b: Tensor, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
  XCTAssertEqual(a.shape, b.shape, what, file: file, line: line)
  let worst = zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) / (1 + Swift.abs($1)) }.max() ?? 0
  XCTAssertLessThan(worst, 1e-4, what, file: file, line: line)
}

/// The batch-split convolution path (one part per core, several images per GEMM inside a
/// part) against direct loops, on shapes large enough to take that path.
final class ParallelConvTests: XCTestCase {
  /// y[n][o][oy][ox] = Σ w[o][c][i][j]·x[n][c][oy·s−p+i·d][ox·s−p+j·d], straight from the
  /// definition.
  static func reference(_ x: Tensor, _ w: Tensor, stride s: Int, padding p: Int, dilation d: Int = 1) -> Tensor {
    let (n, c, h, wd) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, kh, kw) = (w.shape[0], w.shape[2], w.shape[3])
    let oh = (h + 2 * p - d * (kh - 1) - 1) / s + 1, ow = (wd + 2 * p - d * (kw - 1) - 1) / s + 1
    var y = [Float](repeating: 0, count: n * o * oh * ow)
    for b in 0..<n { for oc in 0..<o { for oy in 0..<oh { for ox in 0..<ow {
      var acc: Float = 0
      for ic in 0..<c { for i in 0..<kh { for j in 0..<kw {
        let iy = oy * s - p + i * d, ix = ox * s - p + j * d
        guard iy >= 0, iy < h, ix >= 0, ix < wd else { continue }
        acc += w.scalars[((oc * c + ic) * kh + i) * kw + j] * x.scalars[((b * c + ic) * h + iy) * wd + ix]
      } } }
      y[((b * o + oc) * oh + oy) * ow + ox] = acc
    } } } }
    return Tensor(shape: [n, o, oh, ow], scalars: y)
  }

  func testBatchSplitMatchesDefinition() throws {
    // (n, cin, cout, size, kernel, stride, padding, dilation): 16×16 planes (one image per
    // GEMM), 4×4 planes (several per GEMM), a 1×1 and a strided case; odd n gives unequal
    // parts. The dilated 3×3 cases have shapes Winograd would take if it ignored dilation.
    let cases = [
      (4, 8, 8, 16, 3, 1, 1, 1), (5, 32, 16, 4, 3, 1, 1, 1), (6, 32, 24, 8, 1, 1, 0, 1), (3, 32, 16, 8, 4, 2, 1, 1),
      (4, 32, 32, 16, 3, 1, 2, 2), (3, 32, 32, 16, 3, 1, 4, 4),
    ]
    for (i, c) in cases.enumerated() {
      let (n, cin, cout, size, k, s, p, d) = c
      let x = GradCheck.random([n, cin, size, size], seed: UInt64(200 + i))
      let w = GradCheck.random([cout, cin, k, k], seed: UInt64(300 + i), scale: 0.2)
      let geo = ConvGeometry(stride: s, padding: p, kernel: (k, k), input: (size, size), dilation: d)
      let l = geo.outputHeight * geo.outputWidth
      if Parallel.workers > 1 {
        XCTAssertGreaterThan(Parallel.parts(n, work: 2 * n * cout * cin * k * k * l), 1, "case \(i) must split")
      }
      let y = conv2d(x, w, stride: s, padding: p, dilation: d)
      assertClose(y, Self.reference(x, w, stride: s, padding: p, dilation: d), "forward \(c)")
      // Adjoint identities: ⟨g, conv(x, w)⟩ = ⟨convᵀ(g, w), x⟩ = ⟨convW(x, g), w⟩, with the
      // adjoints computed on the split path and the left side by the definition.
      let g = GradCheck.random(y.shape, seed: UInt64(400 + i))
      let lhs = (g * Self.reference(x, w, stride: s, padding: p, dilation: d)).sum().item
      let dx = Tensor.convTranspose2dRaw(g, w, geo)
      let dw = Tensor.conv2dWeightRaw(x, g, geo)
      XCTAssertEqual((dx * x).sum().item, lhs, accuracy: 1e-3 * (1 + Swift.abs(lhs)), "input adjoint \(c)")
      XCTAssertEqual((dw * w).sum().item, lhs, accuracy: 1e-3 * (1 + Swift.abs(lhs)), "weight adjoint \(c)")
      // And element by element against the one-image path (the same ops on each image alone).
      var dwSum = Tensor.zeros(w.shape)
      for b in 0..<n {
        let xb = x.batch(b..<(b + 1)), gb = g.batch(b..<(b + 1))
        assertClose(Tensor.convTranspose2dRaw(gb, w, geo), dx.batch(b..<(b + 1)), "input gradient image \(b) \(c)")
        dwSum = dwSum + Tensor.conv2dWeightRaw(xb, gb, geo)
      }
      assertClose(dw, dwSum, "weight gradient \(c)")
    }
  }
}
