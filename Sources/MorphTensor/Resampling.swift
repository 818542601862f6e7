import CMorphKernels

extension Tensor {
  fileprivate func planeOp(
    _ op: Op, outH: Int, outW: Int, _ kernel: (UnsafePointer<Float>, Int, UnsafeMutablePointer<Float>) -> Void
  ) -> Tensor {
    precondition(rank == 4, "\(op): needs an N×C×H×W tensor, shape is \(shape)")
    let planes = shape[0] * shape[1]
    let data = makeScalars(planes * outH * outW) { out in
      scalars.withUnsafeBufferPointer { src in
        guard let base = src.baseAddress else { return }
        kernel(base, planes, out)
      }
    }
    return Tensor.record(op, [self], shape: [shape[0], shape[1], outH, outW], scalars: data)
  }

  /// Nearest-neighbour upsampling by an integer `factor`.
  public func upsampleNearest(factor: Int = 2) -> Tensor {
    let h = shape[2], w = shape[3]
    return planeOp(.upsampleNearest(factor: factor), outH: h * factor, outW: w * factor) {
      morph_upsample_nearest($0, $1, Int32(h), Int32(w), Int32(factor), $2)
    }
  }

  /// Sum over non-overlapping `factor`×`factor` blocks (the adjoint of nearest upsampling).
  public func sumPool(factor: Int = 2) -> Tensor {
    precondition(shape[2] % factor == 0 && shape[3] % factor == 0, "sumPool: \(shape) not divisible by \(factor)")
    let h = shape[2] / factor, w = shape[3] / factor
    return planeOp(.sumPool(factor: factor), outH: h, outW: w) {
      morph_sum_pool($0, $1, Int32(h), Int32(w), Int32(factor), $2)
    }
  }

  /// Bilinear ×2 upsampling, PyTorch's `align_corners=False`.
  public func upsampleBilinear2() -> Tensor {
    let h = shape[2], w = shape[3]
    return planeOp(.bilinearUp2, outH: 2 * h, outW: 2 * w) { morph_bilinear_up2($0, $1, Int32(h), Int32(w), $2) }
  }

  /// The adjoint of `upsampleBilinear2`: (2h)×(2w) back to h×w.
  public func upsampleBilinear2Adjoint() -> Tensor {
    precondition(shape[2] % 2 == 0 && shape[3] % 2 == 0, "bilinear adjoint: odd size \(shape)")
    let h = shape[2] / 2, w = shape[3] / 2
    return planeOp(.bilinearUp2Adjoint, outH: h, outW: w) {
      morph_bilinear_up2_adjoint($0, $1, Int32(h), Int32(w), $2)
    }
  }

  /// 2×2 max pooling with stride 2 (odd sizes drop the last row/column, as PyTorch).
  public func maxPool2() -> Tensor {
    precondition(rank == 4 && shape[2] >= 2 && shape[3] >= 2, "maxPool2: input \(shape) too small")
    let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
    let oh = h / 2, ow = w / 2
    // Without a tape only the values are needed; with one, the winners' indices.
    let recorded = GradMode.isEnabled && requiresGrad
    var idx = [Int64](repeating: 0, count: recorded ? planes * oh * ow : 0)
    let values = scalars.withUnsafeBufferPointer { src in
      idx.withUnsafeMutableBufferPointer { pi in
        makeScalars(planes * oh * ow) { out in
          Parallel.forRanges(planes, work: planes * h * w) { r in
            morph_maxpool2(src.baseAddress, r.lowerBound, r.upperBound, Int32(h), Int32(w), out, recorded ? pi.baseAddress : nil)
          }
        }
      }
    }
    // Recorded as a gather of the winners, so the gradient routes to them and the
    // derivative of the derivative is defined too.
    if !recorded {
      return Tensor(shape: [shape[0], shape[1], oh, ow], scalars: values)
    }
    return gather(idx, shape: [shape[0], shape[1], oh, ow])
  }
}

/// Functional spellings.
public func maxPool2d(_ x: Tensor) -> Tensor { x.maxPool2() }
public func upsampleNearest(_ x: Tensor, factor: Int = 2) -> Tensor { x.upsampleNearest(factor: factor) }
public func upsampleBilinear2(_ x: Tensor) -> Tensor { x.upsampleBilinear2() }
