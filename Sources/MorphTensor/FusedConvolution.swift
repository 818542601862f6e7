import CMorphKernels

/// Inference fusions around `conv2d`: bias and ReLU applied while the convolution writes its
/// output (one pass instead of three), and batch normalisation with fixed statistics folded
/// into the convolution's weight and bias.

/// `conv2d(x, weight, bias)` followed by ReLU when `relu`. When nothing is being recorded
/// (no-grad mode, or no input requires a gradient) bias and ReLU run in the convolution's
/// epilogue; otherwise this is exactly the differentiable composition.
public func conv2dFused(
  _ x: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, relu: Bool
) -> Tensor {
  let recording = GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
  if recording {
    let y = conv2d(x, weight, bias, stride: stride, padding: padding)
    return relu ? y.relu() : y
  }
  precondition(x.rank == 4 && weight.rank == 4, "conv2dFused: input \(x.shape) and weight \(weight.shape) must be 4-D")
  precondition(x.shape[1] == weight.shape[1], "conv2dFused: input \(x.shape) does not fit weight \(weight.shape)")
  let geo = ConvGeometry(
    stride: stride, padding: padding, kernel: (weight.shape[2], weight.shape[3]), input: (x.shape[2], x.shape[3]))
  precondition(stride >= 1 && geo.outputHeight >= 1 && geo.outputWidth >= 1, "conv2dFused: input \(x.shape) too small for weight \(weight.shape)")
  let cout = weight.shape[0]
  if let bias { precondition(bias.shape == [cout], "conv2dFused: bias \(bias.shape) for weight \(weight.shape)") }
  let shape = [x.shape[0], cout, geo.outputHeight, geo.outputWidth]
  let data: [Float]
  if let bias {
    data = bias.scalars.withUnsafeBufferPointer { pb in
      Tensor.conv2dForward(x, weight.scalars, cout: cout, geo, epilogue: ConvEpilogue(bias: pb.baseAddress, relu: relu))
    }
  } else {
    data = Tensor.conv2dForward(x, weight.scalars, cout: cout, geo, epilogue: relu ? ConvEpilogue(bias: nil, relu: true) : nil)
  }
  return Tensor(shape: shape, scalars: data)
}

/// The weight and bias of a convolution followed by batch normalisation with fixed
/// statistics, as one convolution: w′[o] = w[o]·s[o], b′[o] = (b[o] − μ[o])·s[o] + β[o] with
/// s = γ/√(σ² + eps). Not differentiated (inference only).
public func foldBatchNorm(
  convWeight w: Tensor, convBias b: Tensor?, runningMean mean: Tensor, runningVariance variance: Tensor,
  weight gamma: Tensor?, bias beta: Tensor?, eps: Float
) -> (weight: Tensor, bias: Tensor) {
  let cout = w.shape[0], inner = w.count / Swift.max(cout, 1)
  precondition(mean.count == cout && variance.count == cout, "foldBatchNorm: \(mean.count) statistics for \(cout) channels")
  var fw = w.scalars
  var fb = [Float](repeating: 0, count: cout)
  for o in 0..<cout {
    let s = (gamma?.scalars[o] ?? 1) / (variance.scalars[o] + eps).squareRoot()
    for i in (o * inner)..<((o + 1) * inner) { fw[i] *= s }
    fb[o] = ((b?.scalars[o] ?? 0) - mean.scalars[o]) * s + (beta?.scalars[o] ?? 0)
  }
  return (Tensor(shape: w.shape, scalars: fw), Tensor(shape: [cout], scalars: fb))
}

/// Nearest ×2 upsampling of `x` followed by a 3×3, stride-1, padding-1 convolution with
/// `weight` (bias, then ReLU when `relu`). When nothing is recorded it runs on the small image:
/// each of the four output phases is a 2×2 convolution with summed taps
/// (`morph_subpixel_weights`), done as one convolution to 4·Cout channels and interleaved.
/// That never builds the upsampled tensor and takes 16·(H+1)(W+1) instead of 36·H·W
/// multiplies per channel pair (0.56× at 8×8, 0.5× at 16×16). Recording, it is the
/// differentiable `upsampleConv3x3`.
public func upsampleConv3x3Fused(_ x: Tensor, _ weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor {
  let recording = GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
  if recording {
    let y = upsampleConv3x3(x, weight, bias)
    return relu ? y.relu() : y
  }
  precondition(x.rank == 4 && weight.rank == 4 && weight.shape[2] == 3 && weight.shape[3] == 3,
    "upsampleConv3x3Fused: input \(x.shape) and weight \(weight.shape) must be 4-D with a 3×3 kernel")
  precondition(x.shape[1] == weight.shape[1], "upsampleConv3x3Fused: input \(x.shape) does not fit weight \(weight.shape)")
  let n = x.shape[0], h = x.shape[2], w = x.shape[3], cout = weight.shape[0], cin = weight.shape[1]
  if let bias { precondition(bias.shape == [cout], "upsampleConv3x3Fused: bias \(bias.shape) for weight \(weight.shape)") }
  let phaseWeights = weight.scalars.withUnsafeBufferPointer { pw in
    makeScalars(16 * cout * cin) { morph_subpixel_weights(pw.baseAddress!, Int32(cout), Int32(cin), $0) }
  }
  let geo = ConvGeometry(stride: 1, padding: 1, kernel: (2, 2), input: (h, w))
  let phaseBias = bias.map { b in (0..<4).flatMap { _ in b.scalars } }
  let z =
    phaseBias.map { pb in
      pb.withUnsafeBufferPointer { p in
        Tensor.conv2dForward(x, phaseWeights, cout: 4 * cout, geo, epilogue: ConvEpilogue(bias: p.baseAddress, relu: relu))
      }
    } ?? Tensor.conv2dForward(x, phaseWeights, cout: 4 * cout, geo, epilogue: relu ? ConvEpilogue(bias: nil, relu: true) : nil)
  // Count the nominal operations of the 3×3 convolution on the upsampled image, as for any
  // other convolution, instead of the fewer ones the 2×2 convolution above recorded.
  FlopCounter.add(2 * n * cout * cin * 9 * 4 * h * w - 2 * n * 4 * cout * cin * 4 * (h + 1) * (w + 1))
  let y = z.withUnsafeBufferPointer { pz in
    makeScalars(n * cout * 4 * h * w) { morph_subpixel_interleave(pz.baseAddress!, Int32(n), Int32(cout), Int32(h), Int32(w), $0) }
  }
  return Tensor(shape: [n, cout, 2 * h, 2 * w], scalars: y)
}
