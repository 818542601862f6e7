import CMorphKernels

// Convolution as im2col + GEMM, one image at a time (llm.c style: kernels over raw pointers).
// The three ops are each other's derivatives (see Op+Backward.swift):
//   conv2d(x, w)           y[n] = W · im2col(x[n])
//   convTranspose2d(g, w)  x[n] = col2im(Wᵀ · g[n])            (adjoint of conv2d in x)
//   conv2dWeight(x, g)     W    = Σn g[n] · im2col(x[n])ᵀ      (adjoint of conv2d in w)

extension ConvGeometry {
  /// Whether im2col is the identity (1×1, stride 1, no padding): skip the copy.
  var isPointwise: Bool { kernel == (1, 1) && stride == 1 && padding == 0 }

  /// Fills `col` (rows `ldcol` apart) with the column matrix of one image.
  func im2col(_ x: UnsafePointer<Float>, channels c: Int, into col: UnsafeMutablePointer<Float>, ldcol: Int) {
    morph_im2col(
      x, Int32(c), Int32(input.h), Int32(input.w), Int32(kernel.h), Int32(kernel.w), Int32(stride), Int32(padding),
      Int32(outputHeight), Int32(outputWidth), col, ldcol)
  }

  /// Adds the column matrix `col` (rows `ldcol` apart) back into one image.
  func col2im(_ col: UnsafePointer<Float>, channels c: Int, into x: UnsafeMutablePointer<Float>, ldcol: Int) {
    morph_col2im(
      col, Int32(c), Int32(input.h), Int32(input.w), Int32(kernel.h), Int32(kernel.w), Int32(stride), Int32(padding),
      Int32(outputHeight), Int32(outputWidth), x, ldcol)
  }
}

/// Images per GEMM. Deep layers have small planes (8×8 = 64 columns per image), where one
/// GEMM per image is mostly packing overhead; side by side they make one wide GEMM.
private func imagesPerGEMM(_ n: Int, columns l: Int) -> Int { Swift.max(1, Swift.min(n, 4096 / Swift.max(l, 1))) }

/// An uninitialised scratch buffer (every use overwrites it before reading).
private func scratch(_ count: Int) -> [Float] { [Float](unsafeUninitializedCapacity: count) { $1 = count } }

extension Tensor {
  /// 2-D cross-correlation (PyTorch's conv2d) of `x` N×Cin×H×W with `weight` Cout×Cin×kh×kw.
  static func conv2dRaw(_ x: Tensor, _ weight: Tensor, _ geo: ConvGeometry) -> Tensor {
    let n = x.shape[0], cin = x.shape[1], cout = weight.shape[0]
    let oh = geo.outputHeight, ow = geo.outputWidth, l = oh * ow
    let k = cin * geo.kernel.h * geo.kernel.w
    let inPlane = cin * geo.input.h * geo.input.w
    let g = imagesPerGEMM(n, columns: l)
    let direct = geo.isPointwise && g == 1
    var col = scratch(direct ? 0 : k * g * l)
    var tmp = scratch(g > 1 ? cout * g * l : 0)
    let data = makeScalars(n * cout * l) { out in
      x.scalars.withUnsafeBufferPointer { px in
        weight.scalars.withUnsafeBufferPointer { pw in
          col.withUnsafeMutableBufferPointer { colBuf in
            tmp.withUnsafeMutableBufferPointer { tmpBuf in
              guard let px = px.baseAddress, let pw = pw.baseAddress, k > 0, l > 0 else {
                out.initialize(repeating: 0, count: n * cout * l)
                return
              }
              for start in stride(from: 0, to: n, by: g) {
                let cnt = Swift.min(g, n - start), cols = cnt * l
                var b = px + start * inPlane
                if !direct, let colp = colBuf.baseAddress {
                  for j in 0..<cnt { geo.im2col(px + (start + j) * inPlane, channels: cin, into: colp + j * l, ldcol: cols) }
                  b = UnsafePointer(colp)
                }
                // y (cout × cnt·l) = W (cout × k) · col (k × cnt·l)
                let c = cnt == 1 ? out + start * cout * l : (tmpBuf.baseAddress ?? out)
                sgemm(transA: false, transB: false, m: cout, n: cols, k: k, a: pw, lda: k, b: b, ldb: cols, c: c, ldc: cols)
                if cnt > 1 { morph_unpack_images(c, Int32(cnt), cout, l, out + start * cout * l) }
              }
            }
          }
        }
      }
    }
    return record(.conv2d(geo), [x, weight], shape: [n, cout, oh, ow], scalars: data)
  }

  /// The adjoint of conv2d in its input: `g` N×Cout×oh×ow back to N×Cin×H×W.
  static func convTranspose2dRaw(_ grad: Tensor, _ weight: Tensor, _ geo: ConvGeometry) -> Tensor {
    let n = grad.shape[0], cout = weight.shape[0], cin = weight.shape[1]
    let l = geo.outputHeight * geo.outputWidth
    let k = cin * geo.kernel.h * geo.kernel.w
    let inPlane = cin * geo.input.h * geo.input.w
    let g = imagesPerGEMM(n, columns: l)
    var col = scratch(k * g * l)
    var packed = scratch(g > 1 ? cout * g * l : 0)
    let data = makeScalars(n * inPlane) { out in
      out.initialize(repeating: 0, count: n * inPlane)
      grad.scalars.withUnsafeBufferPointer { pg in
        weight.scalars.withUnsafeBufferPointer { pw in
          col.withUnsafeMutableBufferPointer { colBuf in
            packed.withUnsafeMutableBufferPointer { packBuf in
              guard let pg = pg.baseAddress, let pw = pw.baseAddress, let colp = colBuf.baseAddress, k > 0, l > 0 else { return }
              for start in stride(from: 0, to: n, by: g) {
                let cnt = Swift.min(g, n - start), cols = cnt * l
                var src = pg + start * cout * l
                if cnt > 1, let pp = packBuf.baseAddress {
                  morph_pack_images(src, Int32(cnt), cout, l, pp)
                  src = UnsafePointer(pp)
                }
                let direct = geo.isPointwise && cnt == 1
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
    return record(.convTranspose2d(geo), [grad, weight], shape: [n, cin, geo.input.h, geo.input.w], scalars: data)
  }

  /// The adjoint of conv2d in its weight: Σ over the batch of `g`·im2col(`x`)ᵀ, Cout×Cin×kh×kw.
  static func conv2dWeightRaw(_ x: Tensor, _ grad: Tensor, _ geo: ConvGeometry) -> Tensor {
    let n = x.shape[0], cin = x.shape[1], cout = grad.shape[1]
    let l = geo.outputHeight * geo.outputWidth
    let k = cin * geo.kernel.h * geo.kernel.w
    let inPlane = cin * geo.input.h * geo.input.w
    let g = imagesPerGEMM(n, columns: l)
    let direct = geo.isPointwise && g == 1
    var col = scratch(direct ? 0 : k * g * l)
    var packed = scratch(g > 1 ? cout * g * l : 0)
    let data = makeScalars(cout * k) { out in
      out.initialize(repeating: 0, count: cout * k)
      x.scalars.withUnsafeBufferPointer { px in
        grad.scalars.withUnsafeBufferPointer { pg in
          col.withUnsafeMutableBufferPointer { colBuf in
            packed.withUnsafeMutableBufferPointer { packBuf in
              guard let px = px.baseAddress, let pg = pg.baseAddress, k > 0, l > 0 else { return }
              for start in stride(from: 0, to: n, by: g) {
                let cnt = Swift.min(g, n - start), cols = cnt * l
                var b = px + start * inPlane
                if !direct, let colp = colBuf.baseAddress {
                  for j in 0..<cnt { geo.im2col(px + (start + j) * inPlane, channels: cin, into: colp + j * l, ldcol: cols) }
                  b = UnsafePointer(colp)
                }
                var a = pg + start * cout * l
                if cnt > 1, let pp = packBuf.baseAddress {
                  morph_pack_images(a, Int32(cnt), cout, l, pp)
                  a = UnsafePointer(pp)
                }
                // W (cout × k) += g (cout × cnt·l) · colᵀ (cnt·l × k)
                sgemm(transA: false, transB: true, m: cout, n: k, k: cols, a: a, lda: cols, b: b, ldb: cols, beta: 1, c: out, ldc: k)
              }
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
/// Cout×Cin×kh×kw, optional `bias` Cout, zero `padding` on every side.
public func conv2d(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil, stride: Int = 1, padding: Int = 0) -> Tensor {
  precondition(x.rank == 4 && weight.rank == 4, "conv2d: input \(x.shape) and weight \(weight.shape) must be 4-D")
  precondition(x.shape[1] == weight.shape[1], "conv2d: input \(x.shape) has \(x.shape[1]) channels, weight \(weight.shape) expects \(weight.shape[1])")
  let geo = ConvGeometry(
    stride: stride, padding: padding, kernel: (weight.shape[2], weight.shape[3]), input: (x.shape[2], x.shape[3]))
  precondition(stride >= 1 && geo.outputHeight >= 1 && geo.outputWidth >= 1, "conv2d: input \(x.shape) too small for weight \(weight.shape)")
  let y = Tensor.conv2dRaw(x, weight, geo)
  guard let bias else { return y }
  precondition(bias.shape == [weight.shape[0]], "conv2d: bias \(bias.shape) for weight \(weight.shape)")
  return y + bias.reshape([1, bias.count, 1, 1])
}

/// Transposed 2-D convolution: the adjoint of `conv2d` in its input. `outputSize` picks the
/// spatial size among those a strided conv maps to the same output.
public func convTranspose2d(
  _ x: Tensor, _ weight: Tensor, stride: Int = 1, padding: Int = 0, outputSize: (h: Int, w: Int)
) -> Tensor {
  let geo = ConvGeometry(stride: stride, padding: padding, kernel: (weight.shape[2], weight.shape[3]), input: outputSize)
  precondition(
    x.rank == 4 && x.shape[1] == weight.shape[0] && x.shape[2] == geo.outputHeight && x.shape[3] == geo.outputWidth,
    "convTranspose2d: input \(x.shape) does not fit weight \(weight.shape) and output \(outputSize)")
  return Tensor.convTranspose2dRaw(x, weight, geo)
}
