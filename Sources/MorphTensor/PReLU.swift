import CMorphKernels

// PReLU (He et al. 2015): y = max(x, 0) + a_c·min(x, 0) with one learned slope per channel.
// Differentiable as a composition of existing ops, relu(x) − a·relu(−x) (so both derivatives,
// in x and in a, come from the rules of relu, mul and sub); without a tape one fused pass.

/// PReLU of `x` (N×C or N×C×…) with per-channel slopes `weight` (C values), as PyTorch's
/// `nn.PReLU(C)`.
public func prelu(_ x: Tensor, _ weight: Tensor) -> Tensor {
  precondition(x.rank >= 2, "prelu: input \(x.shape) needs a channel axis (N×C…)")
  let c = x.shape[1]
  precondition(weight.count == c, "prelu: \(weight.count) slopes for \(c) channels (input \(x.shape))")
  let recording = GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad)
  if recording {
    let slopes = weight.reshape([1, c] + [Int](repeating: 1, count: x.rank - 2))
    return x.relu() - slopes * (-x).relu()
  }
  let rows = x.shape[0], inner = x.count / Swift.max(rows * c, 1)
  let data = x.scalars.withUnsafeBufferPointer { px in
    weight.scalars.withUnsafeBufferPointer { pa in
      makeScalars(x.count) { out in
        Parallel.forRanges(rows, work: x.count) { r in
          morph_prelu(px.baseAddress, pa.baseAddress, r.lowerBound, r.upperBound, Int32(c), inner, out)
        }
      }
    }
  }
  return Tensor(shape: x.shape, scalars: data)
}
