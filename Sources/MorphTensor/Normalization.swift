// Normalisations composed from primitives, so first and second derivatives come from the
// primitives' rules (tinygrad style) rather than hand-written fused kernels.

/// Normalises `x` over `axes` with biased variance: (x − mean) / √(var + eps).
/// Returns the normalised tensor with the (kept-dims) mean and biased variance.
public func normalize(_ x: Tensor, axes: [Int], eps: Float) -> (normalized: Tensor, mean: Tensor, variance: Tensor) {
  let mean = x.mean(axes: axes, keepDims: true)
  let centered = x - mean
  let variance = centered.square().mean(axes: axes, keepDims: true)
  return (centered / (variance + eps).sqrt(), mean, variance)
}

/// Scales and shifts per channel: `x·weight + bias` with `weight`, `bias` of size C.
public func channelAffine(_ x: Tensor, weight: Tensor?, bias: Tensor?) -> Tensor {
  var y = x
  let c = x.shape[1]
  let view = [1, c] + [Int](repeating: 1, count: x.rank - 2)
  if let weight { y = y * weight.reshape(view) }
  if let bias { y = y + bias.reshape(view) }
  return y
}

/// Instance normalisation (PyTorch's InstanceNorm2d): statistics per image and channel.
public func instanceNorm2d(_ x: Tensor, weight: Tensor? = nil, bias: Tensor? = nil, eps: Float = 1e-5) -> Tensor {
  precondition(x.rank == 4, "instanceNorm2d: needs N×C×H×W, shape is \(x.shape)")
  if let weight, let bias, weight.count == x.shape[1], bias.count == x.shape[1] {
    return Tensor.channelNorm(x, weight: weight, bias: bias, perImage: true, eps: eps).output
  }
  return channelAffine(normalize(x, axes: [2, 3], eps: eps).normalized, weight: weight, bias: bias)
}

/// Batch normalisation in training mode: statistics over N, H, W per channel.
/// Returns the output with the batch mean and the *unbiased* batch variance (as PyTorch
/// uses for running statistics).
public func batchNorm2dTraining(_ x: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5)
  -> (output: Tensor, mean: Tensor, unbiasedVariance: Tensor)
{
  precondition(x.rank == 4, "batchNorm2d: needs N×C×H×W, shape is \(x.shape)")
  let n = Float(x.shape[0] * x.shape[2] * x.shape[3])
  let c = x.shape[1]
  if let weight, let bias, weight.count == c, bias.count == c {
    let (y, mean, variance) = Tensor.channelNorm(x, weight: weight, bias: bias, perImage: false, eps: eps)
    let unbiased = variance.map { $0 * (n / Swift.max(n - 1, 1)) }
    return (y, Tensor(shape: [c], scalars: mean), Tensor(shape: [c], scalars: unbiased))
  }
  let (normalized, mean, variance) = normalize(x, axes: [0, 2, 3], eps: eps)
  let unbiased = withoutGrad { variance.detached() * (n / Swift.max(n - 1, 1)) }
  return (channelAffine(normalized, weight: weight, bias: bias), mean.detached().reshape([x.shape[1]]), unbiased.reshape([x.shape[1]]))
}

/// Batch normalisation with fixed statistics (evaluation mode).
public func batchNorm2dInference(
  _ x: Tensor, runningMean: Tensor, runningVariance: Tensor, weight: Tensor?, bias: Tensor?, eps: Float = 1e-5
) -> Tensor {
  // Folded into one per-channel scale and shift (two passes over x instead of four):
  // y = x·s + (b − μ·s) with s = w/√(σ² + eps).
  let c = x.shape[1]
  let view = [1, c, 1, 1]
  var scale = 1 / (runningVariance + eps).sqrt()
  if let weight { scale = scale * weight }
  var shift = -(runningMean * scale)
  if let bias { shift = shift + bias }
  return x * scale.reshape(view) + shift.reshape(view)
}
