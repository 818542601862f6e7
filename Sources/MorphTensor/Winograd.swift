import CMorphKernels
import Foundation

/// 3×3 stride-1 convolutions by Winograd's minimal filtering, as α² GEMMs U[ξ]·V[ξ] over all
/// tiles of a chunk of images (α = tile + 2): F(2×2, 3×3), 16 multiplies per 2×2 output tile
/// and channel pair instead of 36, for conv2d's forward pass and its input gradient (a 3×3
/// stride-1 convolution with the rotated, transposed weight), F(4×4, 3×3) opt-in (see
/// `minimumPlaneF4`), and F(3×3, 2×2) for the weight gradient (`weightGradient`). The
/// transforms are C (`morph_winograd*`). F(2×2, 2×2) for the sub-pixel convolutions' 2×2
/// phases (9 multiplies instead of 16) was tried and measured no faster: 64 px inference
/// 0.041–0.046 s either way, the training step 0.156–0.170 against 0.160–0.179 s.
enum Winograd {
  /// `MORPH_WINOGRAD=0` turns the path off (to compare against im2col).
  static let enabled = ProcessInfo.processInfo.environment["MORPH_WINOGRAD"] != "0"

  /// Below these channel counts the transforms cost more than the multiplies they save:
  /// the 16 GEMMs have inner size cin and are memory-bound when it is small
  /// (`MORPH_WINOGRAD_MIN_CHANNELS` overrides, for tuning). 3 takes the RGB layers too: their
  /// im2col alternative writes 27 floats per pixel of a 3-channel image and reads them back,
  /// while the transforms read the image once. With 8 (the first and last layers on im2col),
  /// alternating `morph bench engine` runs: 64 px inference 0.040–0.042 → 0.037 s, training
  /// step 0.157–0.161 → 0.147–0.150 s, 128 px inference 1.94–2.31 → 1.72–1.77 s, 128 px
  /// training step 5.58–5.80 → 5.46–5.86 s.
  static let minimumChannels = tuning("MORPH_WINOGRAD_MIN_CHANNELS", default: 3, atLeast: 1)

  /// Floats of transformed input and products per block of tiles: small enough to stay in
  /// a core's L2 cache between the transforms and the GEMMs (`MORPH_WINOGRAD_BLOCK` overrides).
  static let blockBudget = tuning("MORPH_WINOGRAD_BLOCK", default: 96 << 10, atLeast: 1024)

  /// Smallest output plane (pixels) for the Winograd path: below 8×8 a block has too few
  /// tiles to amortise reading the α² transformed weight matrices, and im2col's single GEMM
  /// wins. 8×8 and 16×16 planes used to go to im2col too (512); taking them here made the
  /// 64 px inference 0.068–0.073 → 0.056–0.062 s and left 128 px no slower (3.08–3.18 →
  /// 2.96–3.13 s infer, 9.0–10.5 → 8.6–9.2 s train step), alternating runs of
  /// `morph bench engine`; 4×4 (16) was slower again. `MORPH_WINOGRAD_MIN_PLANE` overrides.
  nonisolated(unsafe) static var minimumPlane = tuning("MORPH_WINOGRAD_MIN_PLANE", default: 64, atLeast: 1)  // var: tests lower it

  /// Forced output tile side (`MORPH_WINOGRAD_TILE`, 2 or 4); 0 chooses by shape.
  nonisolated(unsafe) static var forcedTile = tuning("MORPH_WINOGRAD_TILE", default: 0, atLeast: 0)  // var: tests set it

  /// Smallest output plane for F(4×4, 3×3) (`MORPH_WINOGRAD4_MIN_PLANE`); by default none.
  /// On this project's machine (2-core EPYC, OpenBLAS 0.3.21) F(4×4) measured no faster: 64 px
  /// inference 0.049 s with F(2×2) against 0.053 s with F(4×4) everywhere, and 128 px
  /// inference within the ±15 % noise of alternating runs whether F(4×4) took planes from
  /// 16×16, 32×32 or 64×64 up; its 36 GEMMs per block are smaller and its transformed
  /// weights 2.25× larger, which eats the multiplies it saves at these channel counts.
  static let minimumPlaneF4 = tuning("MORPH_WINOGRAD4_MIN_PLANE", default: Int.max, atLeast: 1)

  /// Output tile side for a convolution of this shape: 4 on planes from `minimumPlaneF4`
  /// up, 2 on the rest.
  static func tile(_ geo: ConvGeometry) -> Int {
    if forcedTile == 2 || forcedTile == 4 { return forcedTile }
    return geo.outputHeight * geo.outputWidth >= minimumPlaneF4 ? 4 : 2
  }

  /// The integer in environment variable `name` when it is at least `minimum`, else `value`.
  private static func tuning(_ name: String, default value: Int, atLeast minimum: Int) -> Int {
    guard let text = ProcessInfo.processInfo.environment[name], let n = Int(text), n >= minimum else { return value }
    return n
  }

  /// Whether a convolution of this shape takes the Winograd path.
  static func applies(_ geo: ConvGeometry, inChannels: Int, outChannels: Int) -> Bool {
    enabled && geo.kernel == (3, 3) && geo.stride == 1 && geo.dilation == 1 && geo.padding <= 2
      && inChannels >= minimumChannels && outChannels >= minimumChannels
      && geo.outputHeight * geo.outputWidth >= minimumPlane
  }

  /// Distance between consecutive transformed matrices of `count` floats: rounded up to
  /// 1024 floats (4 KiB), plus 16 (one cache line).
  static func streamStride(_ count: Int) -> Int { (count + 1023) / 1024 * 1024 + 16 }

  /// The α² transformed weight matrices of `w` (cout×cin×3×3) for output tiles of side `tile`:
  /// [α²][cout][cin], or with `transposeFlip` those of the input-gradient convolution,
  /// [α²][cin][cout].
  static func weights(_ w: UnsafePointer<Float>, cout: Int, cin: Int, transposeFlip: Bool, tile: Int) -> [Float] {
    let matrices = (tile + 2) * (tile + 2)
    let transform = tile == 4 ? morph_winograd4_weights : morph_winograd_weights
    let outputs = transposeFlip ? cin : cout
    return makeScalars(matrices * cout * cin) { u in
      // About ten operations per transformed value (the part cost of a split is ~10 µs).
      Parallel.forRanges(outputs, work: 10 * matrices * cout * cin) { r in
        let rows = UnsafeMutablePointer<Float>.allocate(capacity: matrices * Swift.max(cin, cout))
        defer { rows.deallocate() }
        transform(w, Int32(cout), Int32(cin), transposeFlip ? 1 : 0, Int32(r.lowerBound), Int32(r.upperBound), u, rows)
      }
    }
  }

  /// How a plane of th × tw tiles is cut into blocks that fit the cache (see `blockBudget`):
  /// tiles per block at most `capacity`, `rowsPerBlock` tile rows for the padded-row scratch.
  struct Blocking {
    var th: Int, tw: Int, rowsPerBlock: Int, capacity: Int

    /// Blocks for α² matrices over `inner` + `outer` channels. Tiles per block: what fits the
    /// cache budget, but at least min(inner, outer) so the GEMMs stay wide enough to amortise
    /// reading the α²·inner·outer weight floats once per block. Whole tile rows of one image,
    /// or whole images when a plane is smaller than that.
    init(th: Int, tw: Int, matrices: Int, inner: Int, outer: Int) {
      let tiles = th * tw
      let target = Swift.max(blockBudget / (matrices * (inner + outer)), Swift.min(inner, outer), 1)
      self.th = th
      self.tw = tw
      rowsPerBlock = Swift.min(th, Swift.max(1, (target + tw - 1) / tw))
      capacity = rowsPerBlock < th ? rowsPerBlock * tw : Swift.max(1, target / tiles) * tiles
    }

    /// Calls `flush(segments, used)` for each block of the images in `range`: a block is a
    /// list of (image, first tile row, end tile row, first column) segments, `used` tiles in all.
    func forEachBlock(_ range: Range<Int>, _ flush: ([(img: Int, ty0: Int, ty1: Int, col0: Int)], Int) -> Void) {
      var segments: [(img: Int, ty0: Int, ty1: Int, col0: Int)] = []
      var used = 0
      func emit() {
        guard used > 0 else { return }
        flush(segments, used)
        segments.removeAll(keepingCapacity: true)
        used = 0
      }
      for img in range {
        var ty = 0
        while ty < th {
          let rows = Swift.min(th - ty, (capacity - used) / tw)
          if rows == 0 {
            emit()
            continue
          }
          segments.append((img, ty, ty + rows, used))
          used += rows * tw
          ty += rows
        }
      }
      emit()
    }
  }

  /// `convolve` with the weight `weight` (cout×cin×3×3, `weightShape`) transformed here: the
  /// convolution it defines, or with `transposeFlip` the one that computes its input gradient
  /// (cout input channels, cin outputs).
  static func convolve(
    _ x: UnsafePointer<Float>, n: Int, h: Int, w: Int, pad: Int, weight: UnsafePointer<Float>,
    weightShape: (cout: Int, cin: Int), transposeFlip: Bool, tile: Int, epilogue: ConvEpilogue?,
    out: UnsafeMutablePointer<Float>
  ) {
    let (inputs, outputs) = transposeFlip ? (weightShape.cout, weightShape.cin) : (weightShape.cin, weightShape.cout)
    let u = weights(weight, cout: weightShape.cout, cin: weightShape.cin, transposeFlip: transposeFlip, tile: tile)
    u.withUnsafeBufferPointer { pu in
      guard let pu = pu.baseAddress else { return }
      convolve(x, n: n, cin: inputs, h: h, w: w, pad: pad, u: pu, cout: outputs, tile: tile, epilogue: epilogue, out: out)
    }
  }

  /// `out` (n×cout×oh×ow, oh = h + 2·pad − 2) = the 3×3 convolution of `x` (n×cin×h×w) whose
  /// transformed weights for output tiles of side `tile` are `u` ([α²][cout][cin]), then bias
  /// and ReLU when given.
  static func convolve(
    _ x: UnsafePointer<Float>, n: Int, cin: Int, h: Int, w: Int, pad: Int, u: UnsafePointer<Float>, cout: Int,
    tile: Int, epilogue: ConvEpilogue?, out: UnsafeMutablePointer<Float>
  ) {
    let oh = h + 2 * pad - 2, ow = w + 2 * pad - 2
    let alpha = tile + 2, matrices = alpha * alpha
    let blocking = Blocking(
      th: (oh + tile - 1) / tile, tw: (ow + tile - 1) / tile, matrices: matrices, inner: cin, outer: cout)
    let tw = blocking.tw, capacity = blocking.capacity
    let parts = Parallel.parts(n, work: 2 * n * cout * cin * matrices * blocking.th * tw)
    Parallel.forEachPart(n, parts: parts) { _, range in
      // The α² matrices sit an odd number of cache lines past a 4 KiB multiple apart: at
      // power-of-two distances the transforms' α² streams would evict each other.
      let vs = streamStride(cin * capacity), ms = streamStride(cout * capacity)
      let v = UnsafeMutablePointer<Float>.allocate(capacity: matrices * vs)
      let m = UnsafeMutablePointer<Float>.allocate(capacity: matrices * ms)
      let pbuf = UnsafeMutablePointer<Float>.allocate(capacity: (tile * blocking.rowsPerBlock + 2) * (tile * tw + 2))
      defer {
        v.deallocate()
        m.deallocate()
        pbuf.deallocate()
      }
      blocking.forEachBlock(range) { segments, used in
        for seg in segments {
          let input = tile == 4 ? morph_winograd4_input : morph_winograd_input
          input(
            x + seg.img * cin * h * w, Int32(cin), Int32(h), Int32(w), Int32(pad), Int32(tw), Int32(seg.ty0), Int32(seg.ty1),
            v, used, vs, seg.col0, pbuf)
        }
        for xi in 0..<matrices {
          // M[ξ] (cout × used) = U[ξ] (cout × cin) · V[ξ] (cin × used)
          sgemm(
            transA: false, transB: false, m: cout, n: used, k: cin, a: u + xi * cout * cin, lda: cin,
            b: v + xi * vs, ldb: used, c: m + xi * ms, ldc: used)
        }
        for seg in segments {
          let output = tile == 4 ? morph_winograd4_output : morph_winograd_output
          output(
            m, Int32(cout), Int32(oh), Int32(ow), Int32(tw), Int32(seg.ty0), Int32(seg.ty1), used, ms, seg.col0,
            epilogue?.bias, epilogue?.relu == true ? 1 : 0, out + seg.img * cout * oh * ow)
        }
      }
    }
  }

  /// `dw` (cout×cin×3×3) = the weight gradient of the 3×3 stride-1 convolution of `x`
  /// (n×cin×h×w, padding `pad`) given its output gradient `g` (n×cout×oh×ow), by Winograd
  /// F(3×3, 2×2): each 2×2 tile of `g` against its 4×4 input patch gives a 3×3 kernel update in
  /// 16 multiplies per channel pair instead of 36, as 16 GEMMs M[ξ] += U[ξ]·V[ξ]ᵀ summing
  /// over the tiles. V is the forward pass's input transform; U the gradient tiles' (with the
  /// transform's sign folded in, `morph_winograd_grad_tiles`).
  static func weightGradient(
    _ x: UnsafePointer<Float>, _ g: UnsafePointer<Float>, n: Int, cin: Int, cout: Int, h: Int, w: Int, pad: Int,
    dw: UnsafeMutablePointer<Float>
  ) {
    let oh = h + 2 * pad - 2, ow = w + 2 * pad - 2
    let blocking = Blocking(th: (oh + 1) / 2, tw: (ow + 1) / 2, matrices: 16, inner: cin, outer: cout)
    let tw = blocking.tw, capacity = blocking.capacity
    let parts = Parallel.parts(n, work: 2 * n * cout * cin * 16 * blocking.th * tw)
    // Each part sums its images into its own 16 matrices; the parts are added at the end.
    let ms = streamStride(cout * cin)
    let sums = UnsafeMutablePointer<Float>.allocate(capacity: parts * 16 * ms)
    sums.initialize(repeating: 0, count: parts * 16 * ms)
    defer { sums.deallocate() }
    Parallel.forEachPart(n, parts: parts) { part, range in
      let vs = streamStride(cin * capacity), us = streamStride(cout * capacity)
      let v = UnsafeMutablePointer<Float>.allocate(capacity: 16 * vs)
      let u = UnsafeMutablePointer<Float>.allocate(capacity: 16 * us)
      let pbuf = UnsafeMutablePointer<Float>.allocate(capacity: (2 * blocking.rowsPerBlock + 2) * (2 * tw + 2))
      defer {
        v.deallocate()
        u.deallocate()
        pbuf.deallocate()
      }
      let acc = sums + part * 16 * ms
      blocking.forEachBlock(range) { segments, used in
        for seg in segments {
          morph_winograd_input(
            x + seg.img * cin * h * w, Int32(cin), Int32(h), Int32(w), Int32(pad), Int32(tw), Int32(seg.ty0), Int32(seg.ty1),
            v, used, vs, seg.col0, pbuf)
          morph_winograd_grad_tiles(
            g + seg.img * cout * oh * ow, Int32(cout), Int32(oh), Int32(ow), Int32(tw), Int32(seg.ty0), Int32(seg.ty1),
            u, used, us, seg.col0)
        }
        for xi in 0..<16 {
          // M[ξ] (cout × cin) += U[ξ] (cout × used) · V[ξ]ᵀ (used × cin)
          sgemm(
            transA: false, transB: true, m: cout, n: cin, k: used, a: u + xi * us, lda: used, b: v + xi * vs, ldb: used,
            beta: 1, c: acc + xi * ms, ldc: cin)
        }
      }
    }
    for part in 1..<Swift.max(parts, 1) {
      for xi in 0..<16 { morph_accumulate(sums + xi * ms, sums + part * 16 * ms + xi * ms, cout * cin) }
    }
    morph_winograd_weight_grad_output(sums, Int32(cout), Int32(cin), ms, dw)
  }
}
