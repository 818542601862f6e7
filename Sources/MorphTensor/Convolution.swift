import CMorphKernels

// Convolution as im2col + GEMM, one image at a time (llm.c style: kernels over raw pointers).
// The three ops are each other's derivatives (see Op+Backward.swift):
//   conv2d(x, w)           y[n] = W · im2col(x[n])
//   convTranspose2d(g, w)  x[n] = col2im(Wᵀ · g[n])            (adjoint of conv2d in x)
//   conv2dWeight(x, g)     W    = Σn g[n] · im2col(x[n])ᵀ      (adjoint of conv2d in w)

extension ConvGeometry {
  /// Whether im2col is the identity (1×1, stride 1, no padding): skip the copy.
  var isPointwise: Bool { kernel == (1, 1) && stride == 1 && padding == 0 }
}

/// Runs `body` with the column matrix of image `xi` (C×h×w) for `geo`.
@inline(__always)
private func withColumns(
  _ xi: UnsafePointer<Float>, channels c: Int, _ geo: ConvGeometry, scratch: inout [Float],
  _ body: (UnsafePointer<Float>) -> Void
) {
  if geo.isPointwise {
    body(xi)
    return
  }
  scratch.withUnsafeMutableBufferPointer { col in
    guard let col = col.baseAddress else { return }
    morph_im2col(
      xi, Int32(c), Int32(geo.input.h), Int32(geo.input.w), Int32(geo.kernel.h), Int32(geo.kernel.w),
      Int32(geo.stride), Int32(geo.padding), Int32(geo.outputHeight), Int32(geo.outputWidth), col)
    body(col)
  }
}

extension Tensor {
  /// 2-D cross-correlation (PyTorch's conv2d) of `x` N×Cin×H×W with `weight` Cout×Cin×kh×kw.
  static func conv2dRaw(_ x: Tensor, _ weight: Tensor, _ geo: ConvGeometry) -> Tensor {
    let n = x.shape[0], cin = x.shape[1], cout = weight.shape[0]
    let oh = geo.outputHeight, ow = geo.outputWidth, l = oh * ow
    let k = cin * geo.kernel.h * geo.kernel.w
    let inPlane = cin * geo.input.h * geo.input.w
    var scratch = [Float](repeating: 0, count: geo.isPointwise ? 0 : k * l)
    let data = makeScalars(n * cout * l) { out in
      out.initialize(repeating: 0, count: n * cout * l)
      x.scalars.withUnsafeBufferPointer { px in
        weight.scalars.withUnsafeBufferPointer { pw in
          guard let px = px.baseAddress, let pw = pw.baseAddress, k > 0, l > 0 else { return }
          for i in 0..<n {
            withColumns(px + i * inPlane, channels: cin, geo, scratch: &scratch) { col in
              sgemm(transA: false, transB: false, m: cout, n: l, k: k, a: pw, lda: k, b: col, ldb: l, c: out + i * cout * l, ldc: l)
            }
          }
        }
      }
    }
    return record(.conv2d(geo), [x, weight], shape: [n, cout, oh, ow], scalars: data)
  }

  /// The adjoint of conv2d in its input: `g` N×Cout×oh×ow back to N×Cin×H×W.
  static func convTranspose2dRaw(_ g: Tensor, _ weight: Tensor, _ geo: ConvGeometry) -> Tensor {
    let n = g.shape[0], cout = weight.shape[0], cin = weight.shape[1]
    let l = geo.outputHeight * geo.outputWidth
    let k = cin * geo.kernel.h * geo.kernel.w
    let inPlane = cin * geo.input.h * geo.input.w
    var scratch = [Float](repeating: 0, count: k * l)
    let data = makeScalars(n * inPlane) { out in
      out.initialize(repeating: 0, count: n * inPlane)
      g.scalars.withUnsafeBufferPointer { pg in
        weight.scalars.withUnsafeBufferPointer { pw in
          scratch.withUnsafeMutableBufferPointer { col in
            guard let pg = pg.baseAddress, let pw = pw.baseAddress, let col = col.baseAddress, k > 0, l > 0 else { return }
            for i in 0..<n {
              let dst = geo.isPointwise ? out + i * inPlane : col
              // col = Wᵀ (k×cout) · g[i] (cout×l)
              sgemm(transA: true, transB: false, m: k, n: l, k: cout, a: pw, lda: k, b: pg + i * cout * l, ldb: l, c: dst, ldc: l)
              if !geo.isPointwise {
                morph_col2im(
                  col, Int32(cin), Int32(geo.input.h), Int32(geo.input.w), Int32(geo.kernel.h), Int32(geo.kernel.w),
                  Int32(geo.stride), Int32(geo.padding), Int32(geo.outputHeight), Int32(geo.outputWidth), out + i * inPlane)
              }
            }
          }
        }
      }
    }
    return record(.convTranspose2d(geo), [g, weight], shape: [n, cin, geo.input.h, geo.input.w], scalars: data)
  }

  /// The adjoint of conv2d in its weight: Σ over the batch of `g`·im2col(`x`)ᵀ, Cout×Cin×kh×kw.
  static func conv2dWeightRaw(_ x: Tensor, _ g: Tensor, _ geo: ConvGeometry) -> Tensor {
    let n = x.shape[0], cin = x.shape[1], cout = g.shape[1]
    let l = geo.outputHeight * geo.outputWidth
    let k = cin * geo.kernel.h * geo.kernel.w
    let inPlane = cin * geo.input.h * geo.input.w
    var scratch = [Float](repeating: 0, count: geo.isPointwise ? 0 : k * l)
    let data = makeScalars(cout * k) { out in
      out.initialize(repeating: 0, count: cout * k)
      x.scalars.withUnsafeBufferPointer { px in
        g.scalars.withUnsafeBufferPointer { pg in
          guard let px = px.baseAddress, let pg = pg.baseAddress, k > 0, l > 0 else { return }
          for i in 0..<n {
            withColumns(px + i * inPlane, channels: cin, geo, scratch: &scratch) { col in
              // W (cout×k) += g[i] (cout×l) · colᵀ (l×k)
              sgemm(transA: false, transB: true, m: cout, n: k, k: l, a: pg + i * cout * l, lda: l, b: col, ldb: l, beta: 1, c: out, ldc: k)
            }
          }
        }
      }
    }
    return record(.conv2dWeight(geo), [x, g], shape: [cout, cin, geo.kernel.h, geo.kernel.w], scalars: data)
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
