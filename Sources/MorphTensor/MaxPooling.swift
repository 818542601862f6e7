import CMorphKernels

// General max pooling (kernel k, stride s, PyTorch's ceil_mode), recorded as a gather of the
// winners like `maxPool2`: its derivative is scatterAdd (gather's rule in Op+Backward.swift),
// so no new Op is needed and the derivative of the derivative is defined too.

extension Tensor {
  /// Output side of a pooling window `kernel` with `stride` over `size` inputs, no padding:
  /// ⌊(size − k)/s⌋ + 1, or with `ceilMode` ⌈(size − k)/s⌉ + 1 minus a last window that would
  /// start past the input (PyTorch's `pooling_output_shape`).
  public static func poolOutputSize(_ size: Int, kernel: Int, stride: Int, ceilMode: Bool) -> Int {
    guard size >= kernel else { return ceilMode && size > 0 ? 1 : 0 }
    let span = size - kernel
    var out = (ceilMode ? (span + stride - 1) / stride : span / stride) + 1
    if ceilMode && (out - 1) * stride >= size { out -= 1 }
    return out
  }

  /// k×k max pooling with stride `stride` of an N×C×H×W tensor (PyTorch's
  /// `max_pool2d(x, kernel, stride, ceil_mode=ceilMode)` with no padding). With `ceilMode` the
  /// last windows may hang over the bottom and right edges and take the maximum of what they
  /// cover.
  public func maxPool2d(kernel: Int, stride: Int, ceilMode: Bool = false) -> Tensor {
    precondition(rank == 4, "maxPool2d: needs N×C×H×W, shape is \(shape)")
    precondition(kernel >= 1 && stride >= 1, "maxPool2d: kernel \(kernel) and stride \(stride) must be positive")
    let planes = shape[0] * shape[1], h = shape[2], w = shape[3]
    let oh = Tensor.poolOutputSize(h, kernel: kernel, stride: stride, ceilMode: ceilMode)
    let ow = Tensor.poolOutputSize(w, kernel: kernel, stride: stride, ceilMode: ceilMode)
    precondition(oh >= 1 && ow >= 1, "maxPool2d: input \(shape) too small for a \(kernel)×\(kernel) window")
    let outShape = [shape[0], shape[1], oh, ow]
    // Without a tape only the values are needed; with one, the winners' indices.
    let recorded = GradMode.isEnabled && requiresGrad
    var idx = [Int64](repeating: 0, count: recorded ? planes * oh * ow : 0)
    let values = scalars.withUnsafeBufferPointer { src in
      idx.withUnsafeMutableBufferPointer { pi in
        makeScalars(planes * oh * ow) { out in
          Parallel.forRanges(planes, work: planes * oh * ow * kernel * kernel) { r in
            morph_maxpool(
              src.baseAddress, r.lowerBound, r.upperBound, Int32(h), Int32(w), Int32(kernel), Int32(stride),
              Int32(oh), Int32(ow), out, recorded ? pi.baseAddress : nil)
          }
        }
      }
    }
    if !recorded { return Tensor(shape: outShape, scalars: values) }
    return gather(idx, shape: outShape)
  }
}

/// Functional spelling of `Tensor.maxPool2d(kernel:stride:ceilMode:)`.
public func maxPool2d(_ x: Tensor, kernel: Int, stride: Int, ceilMode: Bool = false) -> Tensor {
  x.maxPool2d(kernel: kernel, stride: stride, ceilMode: ceilMode)
}
