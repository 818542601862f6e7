import CMorphKernels

// Convolution as im2col + GEMM (llm.c style: kernels over raw pointers).
// The three ops are each other's derivatives (see Op+Backward.swift):
//   conv2d(x, w)           y[n] = W · im2col(x[n])
//   convTranspose2d(g, w)  x[n] = col2im(Wᵀ · g[n])            (adjoint of conv2d in x)
//   conv2dWeight(x, g)     W    = Σn g[n] · im2col(x[n])ᵀ      (adjoint of conv2d in w)
// The batch is cut into one contiguous part per core (`Parallel`); within a part, images
// with small planes share one GEMM.

extension ConvGeometry {
  /// Whether im2col is the identity (1×1, stride 1, no padding): skip the copy.
  var isPointwise: Bool { kernel == (1, 1) && stride == 1 && padding == 0 && dilation == 1 }

  /// Fills `col` (rows `ldcol` apart) with the column matrix of one image.
  func im2col(_ x: UnsafePointer<Float>, channels c: Int, into col: UnsafeMutablePointer<Float>, ldcol: Int) {
    morph_im2col(
      x, Int32(c), Int32(input.h), Int32(input.w), Int32(kernel.h), Int32(kernel.w), Int32(stride), Int32(padding),
      Int32(dilation), Int32(outputHeight), Int32(outputWidth), col, ldcol)
  }

  /// Adds the column matrix `col` (rows `ldcol` apart) back into one image.
  func col2im(_ col: UnsafePointer<Float>, channels c: Int, into x: UnsafeMutablePointer<Float>, ldcol: Int) {
    morph_col2im(
      col, Int32(c), Int32(input.h), Int32(input.w), Int32(kernel.h), Int32(kernel.w), Int32(stride), Int32(padding),
      Int32(dilation), Int32(outputHeight), Int32(outputWidth), x, ldcol)
  }
}

/// Images per GEMM. Deep layers have small planes (8×8 = 64 columns per image), where one
/// GEMM per image is mostly packing overhead; side by side they make one wide GEMM.
/// Beyond 1024 columns a single image's GEMM is wide enough, and packing would only copy.
private func imagesPerGEMM(_ n: Int, columns l: Int) -> Int { Swift.max(1, Swift.min(n, 1024 / Swift.max(l, 1))) }

/// Scratch memory for one part of a convolution, freed when `body` returns. Raw memory, not
/// an array: every use overwrites it before reading, so it is never initialised.
private func withScratch(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) {
  let p = UnsafeMutablePointer<Float>.allocate(capacity: Swift.max(count, 1))
  defer { p.deallocate() }
  body(p)
}

/// Walks the images `range` of `x` (N×Cin×H×W at `px`) in GEMM batches of `imagesPerGEMM`,
/// giving `body` each batch's first image, image count, column count (count × output cells)
/// and its im2col matrix (k × columns; for a pointwise convolution of one image at a time,
/// the image itself), plus scratch for `packedRows` × columns. The forward convolution and its
/// weight gradient multiply these same columns.
private func forEachColumnBatch(
  _ px: UnsafePointer<Float>, images range: Range<Int>, channels cin: Int, _ geo: ConvGeometry, packedRows: Int,
  _ body: (_ start: Int, _ count: Int, _ columns: Int, _ col: UnsafePointer<Float>, _ packed: UnsafeMutablePointer<Float>) -> Void
) {
  let l = geo.outputHeight * geo.outputWidth
  let k = cin * geo.kernel.h * geo.kernel.w
  let inPlane = cin * geo.input.h * geo.input.w
  let g = imagesPerGEMM(range.count, columns: l)
  let direct = geo.isPointwise && g == 1
  withScratch(direct ? 0 : k * g * l) { colp in
    withScratch(g > 1 ? packedRows * g * l : 0) { packed in
      for start in stride(from: range.lowerBound, to: range.upperBound, by: g) {
        let cnt = Swift.min(g, range.upperBound - start), cols = cnt * l
        if direct {
          body(start, cnt, cols, px + start * inPlane, packed)
        } else {
          for j in 0..<cnt { geo.im2col(px + (start + j) * inPlane, channels: cin, into: colp + j * l, ldcol: cols) }
          body(start, cnt, cols, UnsafePointer(colp), packed)
        }
      }
    }
  }
}

/// What a forward convolution applies to its output before storing it (no-grad fusion).
struct ConvEpilogue {
  /// Per-output-channel bias, `cout` values.
  var bias: UnsafePointer<Float>?
  /// Clamp negatives to zero after the bias.
  var relu: Bool
}

extension Tensor {
  /// 2-D cross-correlation (PyTorch's conv2d) of `x` N×Cin×H×W with `weight` Cout×Cin×kh×kw.
  static func conv2dRaw(_ x: Tensor, _ weight: Tensor, _ geo: ConvGeometry) -> Tensor {
    let data = conv2dForward(x, weight.scalars, cout: weight.shape[0], geo, epilogue: nil)
    return record(.conv2d(geo), [x, weight], shape: [x.shape[0], weight.shape[0], geo.outputHeight, geo.outputWidth], scalars: data)
  }

  /// conv2d(`x`, `weight`) + `bias` per output channel, the bias added in the epilogue.
  static func conv2dBiasRaw(_ x: Tensor, _ weight: Tensor, _ bias: Tensor, _ geo: ConvGeometry) -> Tensor {
    let cout = weight.shape[0]
    let data = bias.scalars.withUnsafeBufferPointer { pb in
      conv2dForward(x, weight.scalars, cout: cout, geo, epilogue: ConvEpilogue(bias: pb.baseAddress, relu: false))
    }
    return record(.conv2dBias(geo), [x, weight, bias], shape: [x.shape[0], cout, geo.outputHeight, geo.outputWidth], scalars: data)
  }

  /// The scalars of conv2d(`x`, `w`) with `epilogue` applied per image.
  static func conv2dForward(_ x: Tensor, _ w: [Float], cout: Int, _ geo: ConvGeometry, epilogue: ConvEpilogue?) -> [Float] {
    let n = x.shape[0], cin = x.shape[1]
    let l = geo.outputHeight * geo.outputWidth
    let k = cin * geo.kernel.h * geo.kernel.w
    let parts = Parallel.parts(n, work: 2 * n * cout * k * l)
    FlopCounter.add(2 * n * cout * k * l)
    return makeScalars(n * cout * l) { out in
      x.scalars.withUnsafeBufferPointer { px in
        w.withUnsafeBufferPointer { pw in
          guard let px = px.baseAddress, let pw = pw.baseAddress, k > 0, l > 0 else {
            out.initialize(repeating: 0, count: n * cout * l)
            return
          }
          if Winograd.applies(geo, inChannels: cin, outChannels: cout) {
            Winograd.convolve(
              px, n: n, h: geo.input.h, w: geo.input.w, pad: geo.padding, weight: pw, weightShape: (cout, cin),
              transposeFlip: false, tile: Winograd.tile(geo), epilogue: epilogue, out: out)
            return
          }
          Parallel.forEachPart(n, parts: parts) { _, range in
            forEachColumnBatch(px, images: range, channels: cin, geo, packedRows: cout) { start, cnt, cols, col, tmp in
              // y (cout × cnt·l) = W (cout × k) · col (k × cnt·l)
              let dst = out + start * cout * l
              let c = cnt == 1 ? dst : tmp
              sgemm(transA: false, transB: false, m: cout, n: cols, k: k, a: pw, lda: k, b: col, ldb: cols, c: c, ldc: cols)
              if cnt > 1 { morph_unpack_images(c, Int32(cnt), cout, l, dst) }
              if let e = epilogue {
                morph_channel_bias_act(dst, cnt * cout, cout, l, e.bias, e.relu ? 1 : 0)
              }
            }
          }
        }
      }
    }
  }

  /// The adjoint of conv2d in its input: `g` N×Cout×oh×ow back to N×Cin×H×W.
  static func convTranspose2dRaw(_ grad: Tensor, _ weight: Tensor, _ geo: ConvGeometry) -> Tensor {
    let n = grad.shape[0], cout = weight.shape[0], cin = weight.shape[1]
    let l = geo.outputHeight * geo.outputWidth
    let k = cin * geo.kernel.h * geo.kernel.w
    let inPlane = cin * geo.input.h * geo.input.w
    let parts = Parallel.parts(n, work: 2 * n * cout * k * l)
    FlopCounter.add(2 * n * cout * k * l)
    let data = makeScalars(n * inPlane) { out in
      grad.scalars.withUnsafeBufferPointer { pg in
        weight.scalars.withUnsafeBufferPointer { pw in
          guard let pg = pg.baseAddress, let pw = pw.baseAddress, k > 0, l > 0 else {
            out.initialize(repeating: 0, count: n * inPlane)
            return
          }
          // A 3×3 stride-1 conv's input gradient is itself a 3×3 stride-1 conv of the output
          // gradient with the rotated, transposed weight and padding 2 − p.
          if Winograd.applies(geo, inChannels: cout, outChannels: cin) {
            Winograd.convolve(
              pg, n: n, h: geo.outputHeight, w: geo.outputWidth, pad: 2 - geo.padding, weight: pw, weightShape: (cout, cin),
              transposeFlip: true, tile: Winograd.tile(geo), epilogue: nil, out: out)
            return
          }
          Parallel.forEachPart(n, parts: parts) { _, range in
            let g = imagesPerGEMM(range.count, columns: l)
            let direct = geo.isPointwise && g == 1
            if !direct {
              (out + range.lowerBound * inPlane).initialize(repeating: 0, count: range.count * inPlane)
            }
            withScratch(direct ? 0 : k * g * l) { colp in
              withScratch(g > 1 ? cout * g * l : 0) { packed in
                for start in stride(from: range.lowerBound, to: range.upperBound, by: g) {
                  let cnt = Swift.min(g, range.upperBound - start), cols = cnt * l
                  var src = pg + start * cout * l
                  if cnt > 1 {
                    morph_pack_images(src, Int32(cnt), cout, l, packed)
                    src = UnsafePointer(packed)
                  }
                  // col (k × cnt·l) = Wᵀ (k × cout) · g (cout × cnt·l)
                  let dst = direct ? out + start * inPlane : colp
                  sgemm(transA: true, transB: false, m: k, n: cols, k: cout, a: pw, lda: k, b: src, ldb: cols, c: dst, ldc: cols)
                  if !direct {
                    for j in 0..<cnt { geo.col2im(colp + j * l, channels: cin, into: out + (start + j) * inPlane, ldcol: cols) }
                  }
                }
              }
            }
          }
        }
      }
    }
    return record(.convTranspose2d(geo), [grad, weight], shape: [n, cin, geo.input.h, geo.input.w], scalars: data)
  }

  /// The adjoint of conv2d in its weight: Σ over the batch of `g`·im2col(`x`)ᵀ, Cout×Cin×kh×kw.
  static func conv2dWeightRaw(_ x: Tensor, _ grad: Tensor, _ geo: ConvGeometry) -> Tensor {
    let n = x.shape[0], cin = x.shape[1], cout = grad.shape[1]
    let l = geo.outputHeight * geo.outputWidth
    let k = cin * geo.kernel.h * geo.kernel.w
    FlopCounter.add(2 * n * cout * k * l)
    if Winograd.applies(geo, inChannels: cin, outChannels: cout), l > 0 {
      let data = makeScalars(cout * k) { out in
        x.scalars.withUnsafeBufferPointer { px in
          grad.scalars.withUnsafeBufferPointer { pg in
            guard let px = px.baseAddress, let pg = pg.baseAddress else {
              out.initialize(repeating: 0, count: cout * k)
              return
            }
            Winograd.weightGradient(
              px, pg, n: n, cin: cin, cout: cout, h: geo.input.h, w: geo.input.w, pad: geo.padding, dw: out)
          }
        }
      }
      return record(.conv2dWeight(geo), [x, grad], shape: [cout, cin, 3, 3], scalars: data)
    }
    let parts = Parallel.parts(n, work: 2 * n * cout * k * l)
    // Each part sums its images into its own slice; the slices are added at the end.
    var partial = [Float](repeating: 0, count: parts > 1 ? (parts - 1) * cout * k : 0)
    let data = makeScalars(cout * k) { out in
      out.initialize(repeating: 0, count: cout * k)
      x.scalars.withUnsafeBufferPointer { px in
        grad.scalars.withUnsafeBufferPointer { pg in
          partial.withUnsafeMutableBufferPointer { partialBuf in
            guard let px = px.baseAddress, let pg = pg.baseAddress, k > 0, l > 0 else { return }
            let partialBase = partialBuf.baseAddress
            Parallel.forEachPart(n, parts: parts) { part, range in
              guard let acc = part == 0 ? out : partialBase.map({ $0 + (part - 1) * cout * k }) else { return }
              forEachColumnBatch(px, images: range, channels: cin, geo, packedRows: cout) { start, cnt, cols, col, packed in
                var a = pg + start * cout * l
                if cnt > 1 {
                  morph_pack_images(a, Int32(cnt), cout, l, packed)
                  a = UnsafePointer(packed)
                }
                // W (cout × k) += g (cout × cnt·l) · colᵀ (cnt·l × k)
                sgemm(transA: false, transB: true, m: cout, n: k, k: cols, a: a, lda: cols, b: col, ldb: cols, beta: 1, c: acc, ldc: k)
              }
            }
            if let partialBase {
              for p in 1..<parts { morph_accumulate(out, partialBase + (p - 1) * cout * k, cout * k) }
            }
          }
        }
      }
    }
    return record(.conv2dWeight(geo), [x, grad], shape: [cout, cin, geo.kernel.h, geo.kernel.w], scalars: data)
  }
}
// MARK: - Public API

/// 2-D convolution (cross-correlation, as PyTorch) of `x` N×Cin×H×W with `weight`
/// Cout×Cin×kh×kw, optional `bias` Cout, zero `padding` on every side; taps `dilation` apart.
public func conv2d(
  _ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: Int = 0, dilation: Int = 1
) -> Tensor {
  precondition(x.rank == 4 && weight.rank == 4, "conv2d: input \(x.shape) and weight \(weight.shape) must be 4-D")
  precondition(x.shape[1] == weight.shape[1], "conv2d: input \(x.shape) has \(x.shape[1]) channels, weight \(weight.shape) expects \(weight.shape[1])")
  precondition(dilation >= 1, "conv2d: dilation \(dilation) must be at least 1")
  let geo = ConvGeometry(
    stride: stride, padding: padding, kernel: (weight.shape[2], weight.shape[3]), input: (x.shape[2], x.shape[3]),
    dilation: dilation)
  precondition(stride >= 1 && geo.outputHeight >= 1 && geo.outputWidth >= 1, "conv2d: input \(x.shape) too small for weight \(weight.shape)")
  guard let bias else { return Tensor.conv2dRaw(x, weight, geo) }
  precondition(bias.shape == [weight.shape[0]], "conv2d: bias \(bias.shape) for weight \(weight.shape)")
  return Tensor.conv2dBiasRaw(x, weight, bias, geo)
}

/// Transposed 2-D convolution: the adjoint of `conv2d` in its input. `outputSize` picks the
/// spatial size among those a strided conv maps to the same output.
public func convTranspose2d(
  _ x: Tensor, _ weight: Tensor, stride: Int = 1, padding: Int = 0, dilation: Int = 1, outputSize: (h: Int, w: Int)
) -> Tensor {
  let geo = ConvGeometry(
    stride: stride, padding: padding, kernel: (weight.shape[2], weight.shape[3]), input: outputSize, dilation: dilation)
  precondition(
    x.rank == 4 && x.shape[1] == weight.shape[0] && x.shape[2] == geo.outputHeight && x.shape[3] == geo.outputWidth,
    "convTranspose2d: input \(x.shape) does not fit weight \(weight.shape) and output \(outputSize)")
  return Tensor.convTranspose2dRaw(x, weight, geo)
}
