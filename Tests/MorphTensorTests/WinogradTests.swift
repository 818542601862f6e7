@testable import MorphTensor
import XCTest

/// Winograd F(4×4, 3×3) and F(2×2, 3×3) against the definition of convolution, for the
/// forward pass and the input gradient, on plane sizes that leave clipped edge tiles for
/// either tile and paddings 0…2.
final class WinogradTests: XCTestCase {
  private var savedMinimumPlane = 0
  private var savedTile = 4

  // Small planes keep the test fast; production shapes start at Winograd.minimumPlane.
  override func setUp() {
    savedMinimumPlane = Winograd.minimumPlane
    savedTile = Winograd.forcedTile
    Winograd.minimumPlane = 1
  }

  override func tearDown() {
    Winograd.minimumPlane = savedMinimumPlane
    Winograd.forcedTile = savedTile
  }

  /// dx[n][c][y][x] = Σ g[n][o][oy][ox]·w[o][c][y − oy + p][x − ox + p] (stride 1).
  static func referenceInputGradient(_ g: Tensor, _ w: Tensor, padding p: Int, input: (h: Int, w: Int)) -> Tensor {
    let (n, o, oh, ow) = (g.shape[0], g.shape[1], g.shape[2], g.shape[3])
    let c = w.shape[1]
    var dx = [Float](repeating: 0, count: n * c * input.h * input.w)
    for b in 0..<n { for oc in 0..<o { for oy in 0..<oh { for ox in 0..<ow {
      let gv = g.scalars[((b * o + oc) * oh + oy) * ow + ox]
      for ic in 0..<c { for i in 0..<3 { for j in 0..<3 {
        let y = oy - p + i, x = ox - p + j
        guard y >= 0, y < input.h, x >= 0, x < input.w else { continue }
        dx[((b * c + ic) * input.h + y) * input.w + x] += gv * w.scalars[((oc * c + ic) * 3 + i) * 3 + j]
      } } }
    } } } }
    return Tensor(shape: [n, c, input.h, input.w], scalars: dx)
  }

  /// dw[o][c][i][j] = Σ g[n][o][oy][ox]·x[n][c][oy − p + i][ox − p + j] (stride 1).
  static func referenceWeightGradient(_ x: Tensor, _ g: Tensor, padding p: Int) -> Tensor {
    let (n, c, h, w) = (x.shape[0], x.shape[1], x.shape[2], x.shape[3])
    let (o, oh, ow) = (g.shape[1], g.shape[2], g.shape[3])
    var dw = [Float](repeating: 0, count: o * c * 9)
    for b in 0..<n { for oc in 0..<o { for oy in 0..<oh { for ox in 0..<ow {
      let gv = g.scalars[((b * o + oc) * oh + oy) * ow + ox]
      for ic in 0..<c { for i in 0..<3 { for j in 0..<3 {
        let y = oy - p + i, xx = ox - p + j
        guard y >= 0, y < h, xx >= 0, xx < w else { continue }
        dw[((oc * c + ic) * 3 + i) * 3 + j] += gv * x.scalars[((b * c + ic) * h + y) * w + xx]
      } } }
    } } } }
    return Tensor(shape: [o, c, 3, 3], scalars: dw)
  }

  func testMatchesDefinition() throws {
    try XCTSkipUnless(Winograd.enabled, "MORPH_WINOGRAD=0")
    // (n, cin, cout, h, w, padding)
    // The last two have several images per block, and several blocks per image.
    let cases = [
      (2, 8, 8, 6, 6, 1), (3, 9, 12, 7, 5, 1), (2, 8, 10, 5, 6, 0), (1, 12, 8, 3, 4, 2), (2, 16, 8, 1, 1, 1),
      (3, 8, 8, 70, 9, 1), (1, 64, 8, 40, 40, 1), (2, 8, 8, 9, 10, 1), (1, 8, 16, 11, 6, 2),
      // Rows wider than the vectorised passes' scratch take the per-tile loops (input, then
      // output too).
      (1, 8, 8, 3, 1030, 1), (1, 8, 8, 2, 2061, 1),
      // RGB in and out (the first and last layers take this path since minimumChannels is 3).
      (2, 3, 8, 9, 9, 1), (2, 8, 3, 9, 9, 1), (1, 3, 3, 6, 7, 1),
    ]
    for tile in [4, 2] {
      Winograd.forcedTile = tile
      try checkAgainstDefinition(cases, tile: tile)
    }
  }

  private func checkAgainstDefinition(_ cases: [(Int, Int, Int, Int, Int, Int)], tile: Int) throws {
    for (i, c) in cases.enumerated() {
      let (n, cin, cout, h, w, p) = c
      let geo = ConvGeometry(stride: 1, padding: p, kernel: (3, 3), input: (h, w))
      XCTAssertTrue(Winograd.applies(geo, inChannels: cin, outChannels: cout))
      let x = GradCheck.random([n, cin, h, w], seed: UInt64(500 + i))
      let wt = GradCheck.random([cout, cin, 3, 3], seed: UInt64(600 + i), scale: 0.3)
      let y = conv2d(x, wt, padding: p)
      assertClose(y, ParallelConvTests.reference(x, wt, stride: 1, padding: p), "forward \(c), tile \(tile)")
      let g = GradCheck.random(y.shape, seed: UInt64(700 + i))
      assertClose(
        Tensor.convTranspose2dRaw(g, wt, geo), Self.referenceInputGradient(g, wt, padding: p, input: (h, w)),
        "input gradient \(c), tile \(tile)")
      // The weight gradient by F(3×3, 2×2) (whatever the forward tile).
      assertClose(Tensor.conv2dWeightRaw(x, g, geo), Self.referenceWeightGradient(x, g, padding: p), "weight gradient \(c)")
    }
  }

  func testGradientsThroughWinograd() throws {
    // Channels ≥ 8 so both the forward pass and the input gradient take the Winograd path;
    // the second-order check differentiates the input gradient once more.
    for tile in [4, 2] {
      Winograd.forcedTile = tile
      let x = GradCheck.random([1, 8, 3, 3], seed: 800)
      let w = GradCheck.random([8, 8, 3, 3], seed: 801, scale: 0.3)
      try GradCheck.check([x, w]) { GradCheck.weighted(conv2d($0[0], $0[1], padding: 1)) }
      try GradCheck.checkSecondOrder([x, w]) { GradCheck.weighted(conv2d($0[0], $0[1], padding: 1).square()) }
    }
  }
}
