import CMorphKernels

// Nearest ×2 upsampling followed by a 3×3, stride-1, padding-1 convolution, computed on the
// small image. Output pixel (2i+a, 2j+b) only sees input pixels (i−1+a+r, j−1+b+c) for
// r, c ∈ {0, 1}, so each of the four phases (a, b) is a 2×2 convolution whose taps are sums of
// the 3×3 taps. All four run as one convolution to 4·Cout channels with padding 1 (output
// (H+1)×(W+1)), and `subpixelInterleave` places phase (a, b) at offset (a, b) of the result.
// That skips the upsampled tensor and takes 16·(H+1)(W+1) instead of 36·H·W multiplies per
// channel pair.

extension Tensor {
  /// Interleaves `self` (N × 4·`cout` × (H+1) × (W+1), phase-major channels) into
  /// N × `cout` × 2H × 2W: out[2i+a, 2j+b] = self[phase 2a+b][i+a, j+b].
  public func subpixelInterleave(cout: Int) -> Tensor {
    precondition(rank == 4 && shape[1] == 4 * cout && shape[2] >= 2 && shape[3] >= 2, "subpixelInterleave: shape \(shape) for \(cout) channels")
    let n = shape[0], h = shape[2] - 1, w = shape[3] - 1
    let data = scalars.withUnsafeBufferPointer { src in
      makeScalars(n * cout * 4 * h * w) { out in
        Parallel.forRanges(n * cout, work: n * cout * 4 * h * w) { r in
          morph_subpixel_interleave(src.baseAddress!, Int32(cout), Int32(h), Int32(w), r.lowerBound, r.upperBound, out)
        }
      }
    }
    return Tensor.record(.subpixelInterleave(cout: cout), [self], shape: [n, cout, 2 * h, 2 * w], scalars: data)
  }

  /// The adjoint of `subpixelInterleave`: N × `cout` × 2H × 2W back to N × 4·`cout` × (H+1) ×
  /// (W+1), with zeros where no output pixel came from.
  public func subpixelDeinterleave(cout: Int) -> Tensor {
    precondition(rank == 4 && shape[1] == cout && shape[2] % 2 == 0 && shape[3] % 2 == 0, "subpixelDeinterleave: shape \(shape)")
    let n = shape[0], h = shape[2] / 2, w = shape[3] / 2
    let data = scalars.withUnsafeBufferPointer { src in
      makeScalars(n * 4 * cout * (h + 1) * (w + 1)) { out in
        Parallel.forRanges(n * cout, work: n * cout * 4 * h * w) { r in
          morph_subpixel_deinterleave(src.baseAddress!, Int32(cout), Int32(h), Int32(w), r.lowerBound, r.upperBound, out)
        }
      }
    }
    return Tensor.record(.subpixelDeinterleave(cout: cout), [self], shape: [n, 4 * cout, h + 1, w + 1], scalars: data)
  }
}

/// Which 3×3 taps each sub-pixel tap sums, as a 9 × 16 matrix: row ky·3 + kx, column
/// ((2a + b)·2 + r)·2 + c.
private let subpixelTapMatrix: Tensor = {
  let first = [[0, 1], [0, 2]], last = [[0, 2], [1, 2]]
  var m = [Float](repeating: 0, count: 9 * 16)
  for a in 0..<2 {
    for b in 0..<2 {
      for r in 0..<2 {
        for c in 0..<2 {
          let column = ((2 * a + b) * 2 + r) * 2 + c
          for ky in first[a][r]...last[a][r] {
            for kx in first[b][c]...last[b][c] { m[(ky * 3 + kx) * 16 + column] = 1 }
          }
        }
      }
    }
  }
  return Tensor(shape: [9, 16], scalars: m)
}()

/// The sub-pixel weights of `weight` (Cout × Cin × 3 × 3) as 4·Cout × Cin × 2 × 2, phase-major;
/// differentiable (a product with a constant tap matrix, a permutation and reshapes).
public func subpixelWeights(_ weight: Tensor) -> Tensor {
  let cout = weight.shape[0], cin = weight.shape[1]
  return matmul(weight.reshape([cout * cin, 9]), subpixelTapMatrix)
    .reshape([cout, cin, 4, 2, 2]).permute([2, 0, 1, 3, 4]).reshape([4 * cout, cin, 2, 2])
}

/// `conv2d(upsampleNearest(x, 2), weight, bias, padding: 1)` for a 3×3 `weight`, then ReLU
/// when `relu`, on the small image. Differentiable when recorded (the gradient flows through
/// the 2×2 convolution, the tap sums and the interleave); otherwise bias and ReLU ride in the
/// convolution's epilogue (`conv2dFused`). Equal to the composition up to rounding.
public func upsampleConv3x3(_ x: Tensor, _ weight: Tensor, _ bias: Tensor?, relu: Bool = false) -> Tensor {
  precondition(weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3, "upsampleConv3x3: weight \(weight.shape) is not 3×3")
  precondition(x.rank == 4 && x.shape[1] == weight.shape[1], "upsampleConv3x3: input \(x.shape) does not fit weight \(weight.shape)")
  let n = x.shape[0], h = x.shape[2], w = x.shape[3], cout = weight.shape[0], cin = weight.shape[1]
  let phaseBias = bias.map { Tensor.concat([$0, $0, $0, $0], axis: 0) }
  let phases = conv2dFused(x, subpixelWeights(weight), bias: phaseBias, padding: 1, relu: relu)
  // Count the forward pass as the 3×3 convolution on the upsampled image it stands for, as
  // every convolution is counted, not as the 2×2 one that ran.
  FlopCounter.add(2 * n * cout * cin * 9 * 4 * h * w - 2 * n * 4 * cout * cin * 4 * (h + 1) * (w + 1))
  // ReLU before the interleave is the same as after: the interleave only moves values.
  return phases.subpixelInterleave(cout: cout)
}
