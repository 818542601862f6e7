import MorphNN
import MorphTensor

/// Reflection padding of H and W (PyTorch's `nn.ReflectionPad2d`), composed from `narrow`
/// and `concat` so its gradient comes from existing tape ops.
public final class ReflectionPad2d: Layer {
  public let padding: Int
  public var isTraining = true
  public init(_ padding: Int) { self.padding = padding }
  public var localParameters: [(name: String, tensor: Tensor)] { [] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 4, x.shape[2] > padding, x.shape[3] > padding else {
      throw NNError.badInput(layer: "ReflectionPad2d(\(padding))", expected: "N×C×H×W with H, W > \(padding)", found: x.shape)
    }
    if padding == 0 { return x }
    return reflect(reflect(x, axis: 2), axis: 3)
  }

  private func reflect(_ x: Tensor, axis: Int) -> Tensor {
    let n = x.shape[axis], p = padding
    // Mirror without repeating the edge: rows p…1, the tensor, rows n−2…n−1−p.
    let left = (1...p).reversed().map { x.narrow(axis: axis, start: $0, length: 1) }
    let right = (1...p).map { x.narrow(axis: axis, start: n - 1 - $0, length: 1) }
    return Tensor.concat(left + [x] + right, axis: axis)
  }
}

/// Transposed convolution (PyTorch's `nn.ConvTranspose2d`): `weight` Cin×Cout×k×k, `bias`
/// Cout; the output is `stride` × the input (the `output_padding = stride − 1` case, as the
/// generators' upsamplings use it).
public final class ConvTranspose2d: Layer {
  public let weight: Tensor
  public let bias: Tensor?
  public let stride: Int
  public let padding: Int
  public var isTraining = true

  public init(
    _ inChannels: Int, _ outChannels: Int, kernelSize: Int, stride: Int, padding: Int, bias: Bool = true,
    rng: inout RandomGenerator
  ) {
    let fanIn = outChannels * kernelSize * kernelSize
    weight = Initializer.pytorchDefault([inChannels, outChannels, kernelSize, kernelSize], fanIn: fanIn, rng: &rng)
      .requiringGrad()
    self.bias = bias ? Initializer.pytorchDefault([outChannels], fanIn: fanIn, rng: &rng).requiringGrad() : nil
    self.stride = stride
    self.padding = padding
  }

  public var localParameters: [(name: String, tensor: Tensor)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let cin = weight.shape[0], k = weight.shape[2]
    guard x.rank == 4, x.shape[1] == cin else {
      throw NNError.badInput(layer: "ConvTranspose2d(\(cin)→\(weight.shape[1]), k\(k))", expected: "N×\(cin)×H×W", found: x.shape)
    }
    let out = (h: x.shape[2] * stride, w: x.shape[3] * stride)
    // The forward conv of this geometry must map `out` back onto the input size.
    guard (out.h + 2 * padding - k) / stride + 1 == x.shape[2], (out.w + 2 * padding - k) / stride + 1 == x.shape[3] else {
      throw NNError.badInput(layer: "ConvTranspose2d(k\(k), s\(stride), p\(padding))", expected: "a size it can upsample by \(stride)", found: x.shape)
    }
    let y = convTranspose2d(x, weight, stride: stride, padding: padding, outputSize: out)
    guard let bias else { return y }
    return y + bias.reshape([1, bias.count, 1, 1])
  }
}

/// A ResNet block: reflect-pad, conv3×3, IN, ReLU, reflect-pad, conv3×3, IN, plus the input.
public final class ResidualBlock: Layer {
  public let body: Sequential
  public var isTraining = true

  public init(_ channels: Int, rng: inout RandomGenerator) {
    body = Sequential([
      ReflectionPad2d(1), Conv2d(channels, channels, kernelSize: 3, rng: &rng), InstanceNorm2d(channels), ReLU(),
      ReflectionPad2d(1), Conv2d(channels, channels, kernelSize: 3, rng: &rng), InstanceNorm2d(channels),
    ])
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] { [("conv_block", body)] }
  public func callAsFunction(_ x: Tensor) throws -> Tensor { x + (try body(x)) }
}

/// CycleGAN's initialisation: convolution weights N(0, 0.02), biases 0.
func cycleGANInit(_ module: any Module, rng: inout RandomGenerator) {
  for (name, p) in module.namedParameters() {
    if name.hasSuffix("weight") && p.rank == 4 {
      p.assign(Tensor.randn(p.shape, std: 0.02, rng: &rng))
    } else if name.hasSuffix("bias") {
      p.assign(Tensor.zeros(p.shape))
    }
  }
}
