/// Inference fusions around `conv2d`: bias and ReLU applied while the convolution writes its
/// output (one pass instead of three), and batch normalisation with fixed statistics folded
/// into the convolution's weight and bias.

/// `conv2d(x, weight, bias)` followed by ReLU when `relu`. When nothing is being recorded
/// (no-grad mode, or no input requires a gradient) bias and ReLU run in the convolution's
/// epilogue; otherwise this is exactly the differentiable composition.
public func conv2dFused(
  _ x: Tensor, _ weight: Tensor, bias: Tensor?, stride: Int = 1, padding: Int = 0, dilation: Int = 1, relu: Bool
) -> Tensor {
  let recording = GradMode.isEnabled && (x.requiresGrad || weight.requiresGrad || bias?.requiresGrad == true)
  if recording {
    let y = conv2d(x, weight, bias, stride: stride, padding: padding, dilation: dilation)
    return relu ? y.relu() : y
  }
  precondition(x.rank == 4 && weight.rank == 4, "conv2dFused: input \(x.shape) and weight \(weight.shape) must be 4-D")
  precondition(x.shape[1] == weight.shape[1], "conv2dFused: input \(x.shape) does not fit weight \(weight.shape)")
  precondition(dilation >= 1, "conv2dFused: dilation \(dilation) must be at least 1")
  let geo = ConvGeometry(
    stride: stride, padding: padding, kernel: (weight.shape[2], weight.shape[3]), input: (x.shape[2], x.shape[3]),
    dilation: dilation)
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
