import CMorphKernels

// Batch and instance normalisation with affine weight and bias as one op: a fused kernel
// forward and backward (two passes each instead of about nine ops), and for recorded
// (double-backward) passes a backward rule composed from primitives.

extension Tensor {
  /// (x − μ)/√(σ² + eps)·w + b per channel, statistics over N, H, W (`perImage` false: batch
  /// norm) or over H, W per image (`perImage`: instance norm). Returns the output and the
  /// biased statistics (c values, or n·c per image).
  static func channelNorm(_ x: Tensor, weight: Tensor, bias: Tensor, perImage: Bool, eps: Float)
    -> (output: Tensor, mean: [Float], variance: [Float])
  {
    let n = x.shape[0], c = x.shape[1], l = x.count / Swift.max(n * c, 1)
    let stats = perImage ? n * c : c
    var mean = [Float](repeating: 0, count: stats), variance = [Float](repeating: 0, count: stats)
    let data = makeScalars(x.count) { out in
      x.scalars.withUnsafeBufferPointer { px in
        weight.scalars.withUnsafeBufferPointer { pw in
          bias.scalars.withUnsafeBufferPointer { pb in
            mean.withUnsafeMutableBufferPointer { pm in
              variance.withUnsafeMutableBufferPointer { pv in
                let (px, pw, pb, pm, pv) = (px.baseAddress, pw.baseAddress, pb.baseAddress, pm.baseAddress, pv.baseAddress)
                Parallel.forRanges(c, work: 6 * x.count) { r in
                  morph_channel_norm_forward(
                    px, Int32(n), Int32(c), l, perImage ? 1 : 0, eps, pw, pb, out, pm, pv, Int32(r.lowerBound), Int32(r.upperBound))
                }
              }
            }
          }
        }
      }
    }
    let y = record(
      .channelNorm(perImage: perImage, eps: eps, mean: mean, variance: variance), [x, weight, bias], shape: x.shape,
      scalars: data)
    return (y, mean, variance)
  }

  /// The fused backward: (dx, dw, db) from the output gradient `g` (dx empty unless `needInput`).
  static func channelNormBackwardFused(
    _ x: Tensor, _ weight: Tensor, _ g: Tensor, perImage: Bool, eps: Float, mean: [Float], variance: [Float],
    needInput: Bool
  ) -> (Tensor, Tensor, Tensor) {
    let n = x.shape[0], c = x.shape[1], l = x.count / Swift.max(n * c, 1)
    var dw = [Float](repeating: 0, count: c), db = [Float](repeating: 0, count: c)
    let dx = makeScalars(needInput ? x.count : 0) { pdx in
      x.scalars.withUnsafeBufferPointer { px in
        g.scalars.withUnsafeBufferPointer { pg in
          weight.scalars.withUnsafeBufferPointer { pw in
            mean.withUnsafeBufferPointer { pm in
              variance.withUnsafeBufferPointer { pv in
                dw.withUnsafeMutableBufferPointer { pdw in
                  db.withUnsafeMutableBufferPointer { pdb in
                    let (px, pg, pw, pm, pv) = (px.baseAddress, pg.baseAddress, pw.baseAddress, pm.baseAddress, pv.baseAddress)
                    let (dwp, dbp) = (pdw.baseAddress, pdb.baseAddress)
                    Parallel.forRanges(c, work: 8 * x.count) { r in
                      morph_channel_norm_backward(
                        px, pg, Int32(n), Int32(c), l, perImage ? 1 : 0, eps, pm, pv, pw, needInput ? pdx : nil, dwp, dbp,
                        Int32(r.lowerBound), Int32(r.upperBound))
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
    return (Tensor(shape: needInput ? x.shape : [0], scalars: dx), Tensor(shape: [c], scalars: dw), Tensor(shape: [c], scalars: db))
  }

  /// The same gradients composed from differentiable primitives (for `createGraph`).
  static func channelNormBackwardComposite(_ x: Tensor, _ weight: Tensor, _ g: Tensor, perImage: Bool, eps: Float)
    -> (Tensor, Tensor, Tensor)
  {
    let c = x.shape[1]
    let axes = perImage ? [2, 3] : [0, 2, 3]
    let view = [1, c] + [Int](repeating: 1, count: x.rank - 2)
    let mean = x.mean(axes: axes, keepDims: true)
    let centered = x - mean
    let rstd = 1 / ((centered.square().mean(axes: axes, keepDims: true) + eps).sqrt())
    let xhat = centered * rstd
    let gw = g * weight.reshape(view)
    let dx = rstd * (gw - gw.mean(axes: axes, keepDims: true) - xhat * (gw * xhat).mean(axes: axes, keepDims: true))
    let dw = (g * xhat).sum(axes: [0, 2, 3]).reshape([c])
    let db = g.sum(axes: [0, 2, 3]).reshape([c])
    return (dx, dw, db)
  }
}
