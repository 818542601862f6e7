import MorphNN
import MorphTensor

// The engine benchmark's networks, built exactly as `../shared/bench/torch_anchor.py` builds
// them (same layers, same order, same channel widths), so the timings compare like for like.
// They are the reference HomoInterpGAN architecture scaled by a width multiplier.

/// Channel count `n` scaled by `width`, at least 1 (the anchor's `c = max(1, int(n * w))`).
func anchorChannels(_ n: Int, _ width: Double) -> Int { Swift.max(1, Int(Double(n) * width)) }

/// VGG19 convolutions up to relu5_1 with four poolings; returns the net and its output width.
public func anchorVGG(width: Double, rng: inout RandomGenerator) -> (net: Sequential, channels: Int) {
  var layers: [any Layer] = []
  var cin = 3
  for (n, reps) in [(64, 2), (128, 2), (256, 4), (512, 4), (512, 1)] {
    for _ in 0..<reps {
      layers += [Conv2d(cin, anchorChannels(n, width), kernelSize: 3, padding: 1, rng: &rng), ReLU()]
      cin = anchorChannels(n, width)
    }
    if n != 512 || layers.count < 40 { layers.append(MaxPool2d()) }
  }
  if layers.last is MaxPool2d { layers.removeLast() }  // relu5_1 is the last layer
  return (Sequential(layers), cin)
}

/// The decoder: conv-BN-ReLU blocks with four nearest ×2 upsamplings back to RGB.
public func anchorDecoder(width: Double, inChannels: Int, rng: inout RandomGenerator) -> Sequential {
  let c = { anchorChannels($0, width) }
  func block(_ i: Int, _ o: Int) -> [any Layer] {
    [Conv2d(i, o, kernelSize: 3, padding: 1, rng: &rng), BatchNorm2d(o), ReLU()]
  }
  var layers: [any Layer] = block(inChannels, c(512)) + [Upsample()]
  layers += block(c(512), c(256)) + block(c(256), c(256)) + block(c(256), c(256)) + block(c(256), c(256)) + [Upsample()]
  layers += block(c(256), c(128)) + block(c(128), c(128)) + block(c(128), c(128)) + block(c(128), c(128)) + [Upsample()]
  layers += block(c(128), c(64)) + block(c(64), c(64)) + [Upsample()]
  layers += block(c(64), c(64)) + [Conv2d(c(64), 3, kernelSize: 3, padding: 1, rng: &rng)]
  return Sequential(layers)
}

/// The interpolator: F₁ + Σᵢ vᵢ·Tᵢ(F₂ − F₁), one conv-ReLU-conv-ReLU-conv branch per group.
public final class AnchorInterpolator: Module {
  public let branches: [Sequential]
  public var isTraining = true

  public init(channels ch: Int, branches count: Int, rng: inout RandomGenerator) {
    branches = (0..<count).map { _ in
      Sequential([
        Conv2d(ch, ch, kernelSize: 3, padding: 1, rng: &rng), ReLU(),
        Conv2d(ch, ch, kernelSize: 3, padding: 1, rng: &rng), ReLU(),
        Conv2d(ch, ch, kernelSize: 3, padding: 1, rng: &rng),
      ])
    }
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    [("b", ModuleList(branches))]
  }

  /// `v` is N×branches of strengths.
  public func callAsFunction(_ f1: Tensor, _ f2: Tensor, _ v: Tensor) throws -> Tensor {
    combine(f1, try branchOutputs(f1, f2), v)
  }

  /// Tᵢ(F₂ − F₁) for every branch. They do not depend on the strengths, so inference at
  /// several strengths computes them once.
  public func branchOutputs(_ f1: Tensor, _ f2: Tensor) throws -> [Tensor] {
    let d = f2 - f1
    return try branches.map { try $0(d) }
  }

  /// F₁ + Σᵢ vᵢ·Tᵢ for branch outputs `t` and strengths `v` (N×branches).
  public func combine(_ f1: Tensor, _ t: [Tensor], _ v: Tensor) -> Tensor {
    var out = f1
    for (i, ti) in t.enumerated() {
      out = out + ti * v.narrow(axis: 1, start: i, length: 1).reshape([v.shape[0], 1, 1, 1])
    }
    return out
  }
}

/// The critic: a shared trunk (conv1×1, then conv4×4/2 blocks down to 2×2, then a conv over
/// what is left), a real/fake head and one logit head per attribute group.
public final class AnchorCritic: Module {
  public let trunk: Sequential
  public let real: Conv2d
  public let attrs: [Conv2d]
  public var isTraining = true

  public init(channels ch: Int, width: Double, groups: [Int], featureSize: Int, rng: inout RandomGenerator) {
    let c = anchorChannels(256, width)
    var layers: [any Layer] = [Conv2d(ch, c, kernelSize: 1, rng: &rng), InstanceNorm2d(c, affine: true), LeakyReLU(0.2)]
    var s = featureSize
    while s > 2 {
      layers += [
        Conv2d(c, c, kernelSize: 4, stride: 2, padding: 1, rng: &rng), InstanceNorm2d(c, affine: true), LeakyReLU(0.2),
      ]
      s /= 2
    }
    layers.append(Conv2d(c, c, kernelSize: s, rng: &rng))
    trunk = Sequential(layers)
    real = Conv2d(c, 1, kernelSize: 1, rng: &rng)
    attrs = groups.map { Conv2d(c, $0, kernelSize: 1, rng: &rng) }
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    [("trunk", trunk), ("real", real), ("attrs", ModuleList(attrs))]
  }

  /// The real/fake score map and the flattened attribute logits of each group.
  public func callAsFunction(_ x: Tensor) throws -> (real: Tensor, attributes: [Tensor]) {
    let y = try trunk(x)
    return (try real(y), try attrs.map { try $0(y).flatten(from: 1) })
  }
}
