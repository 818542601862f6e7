import MorphTensor

/// 2-D convolution layer (PyTorch's `nn.Conv2d`): `weight` Cout×Cin×k×k, optional `bias` Cout.
public final class Conv2d: Layer {
  public let weight: Tensor
  public let bias: Tensor?
  public let stride: Int
  public let padding: Int
  /// Distance between kernel taps; the weights' shape does not depend on it.
  public let dilation: Int
  public var isTraining = true

  /// Initialised as PyTorch does by default (uniform ±1/√(Cin·k·k)).
  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0, dilation: Int = 1,
    bias: Bool = true, rng: inout RandomGenerator
  ) {
    let fanIn = inChannels * kernelSize * kernelSize
    weight = Initializer.pytorchDefault([outChannels, inChannels, kernelSize, kernelSize], fanIn: fanIn, rng: &rng)
      .requiringGrad()
    self.bias = bias ? Initializer.pytorchDefault([outChannels], fanIn: fanIn, rng: &rng).requiringGrad() : nil
    self.stride = stride
    self.padding = padding
    self.dilation = max(dilation, 1)
  }

  public var inChannels: Int { weight.shape[1] }
  public var outChannels: Int { weight.shape[0] }
  public var kernelSize: Int { weight.shape[2] }

  public var localParameters: [(name: String, tensor: Tensor)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    try validate(x)
    // The bias rides in the convolution's epilogue when nothing is recorded.
    return conv2dFused(x, weight, bias: bias, stride: stride, padding: padding, dilation: dilation, relu: false)
  }

  func validate(_ x: Tensor) throws {
    let span = dilation * (kernelSize - 1) + 1
    guard x.rank == 4, x.shape[1] == inChannels, x.shape[2] + 2 * padding >= span, x.shape[3] + 2 * padding >= span else {
      let layer = "Conv2d(\(inChannels)→\(outChannels), k\(kernelSize)\(dilation > 1 ? ", dilation \(dilation)" : ""))"
      throw NNError.badInput(layer: layer, expected: "N×\(inChannels)×H×W with H, W ≥ \(span - 2 * padding)", found: x.shape)
    }
  }

  /// Whether a nearest ×2 upsampling before this convolution can run on the small image
  /// (`upsampleConv3x3`): a 3×3, stride-1, padding-1, undilated convolution.
  var absorbsUpsampling: Bool { kernelSize == 3 && stride == 1 && padding == 1 && dilation == 1 }

  /// This convolution applied to `x` upsampled ×2 (nearest), differentiable, on the small
  /// image (`upsampleConv3x3`); only when `absorbsUpsampling`.
  func upsampledForward(_ x: Tensor) throws -> Tensor {
    guard absorbsUpsampling, x.rank == 4, x.shape[1] == inChannels else {
      throw NNError.badInput(layer: "Conv2d(\(inChannels)→\(outChannels), k\(kernelSize)) after Upsample", expected: "N×\(inChannels)×H×W", found: x.shape)
    }
    return upsampleConv3x3(x, weight, bias)
  }

  /// This convolution, then `batchNorm` (evaluation mode, folded into the weights) and ReLU,
  /// in one pass; for inference (see `Sequential`). With `upsampled`, `x` is first upsampled
  /// ×2 (nearest), which the caller checked this convolution `absorbsUpsampling`.
  func fusedInference(_ x: Tensor, batchNorm bn: BatchNorm2d?, relu: Bool, upsampled: Bool = false) throws -> Tensor {
    var (w, b) = (weight, bias)
    if let bn {
      (w, b) = foldBatchNorm(
        convWeight: weight, convBias: bias, runningMean: bn.runningMean, runningVariance: bn.runningVar,
        weight: bn.weight, bias: bn.bias, eps: bn.eps)
    }
    if upsampled {
      guard x.rank == 4, x.shape[1] == inChannels else {
        throw NNError.badInput(layer: "Conv2d(\(inChannels)→\(outChannels), k\(kernelSize))", expected: "N×\(inChannels)×H×W", found: x.shape)
      }
      return upsampleConv3x3(x, w, b, relu: relu)
    }
    try validate(x)
    return conv2dFused(x, w, bias: b, stride: stride, padding: padding, dilation: dilation, relu: relu)
  }
}
