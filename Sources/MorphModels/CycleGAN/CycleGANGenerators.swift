import MorphNN
import MorphTensor

/// Builds a generator of `config.generator` kind mapping N×3×S×S in [−1, 1] to the same shape.
func makeCycleGANGenerator(_ config: CycleGANConfig, rng: inout RandomGenerator) -> any Layer {
  switch config.generator {
  case .resnet: return resnetGenerator(config, rng: &rng)
  case .unet: return UNetGenerator(config, rng: &rng)
  }
}

/// The ResNet generator of Zhu et al. (Johnson et al.'s architecture): c7s1-ngf, d2ngf,
/// d4ngf, R4ngf × N, u2ngf, ungf, c7s1-3, tanh, instance norm throughout.
func resnetGenerator(_ config: CycleGANConfig, rng: inout RandomGenerator) -> Sequential {
  let f = config.ngf
  var layers: [any Layer] = [ReflectionPad2d(3), Conv2d(3, f, kernelSize: 7, rng: &rng), InstanceNorm2d(f), ReLU()]
  for k in 0..<2 {
    let c = f << k
    layers += [Conv2d(c, 2 * c, kernelSize: 3, stride: 2, padding: 1, rng: &rng), InstanceNorm2d(2 * c), ReLU()]
  }
  for _ in 0..<config.residualBlocks { layers.append(ResidualBlock(4 * f, rng: &rng)) }
  for k in (0..<2).reversed() {
    let c = f << k
    layers += [ConvTranspose2d(2 * c, c, kernelSize: 3, stride: 2, padding: 1, rng: &rng), InstanceNorm2d(c), ReLU()]
  }
  layers += [ReflectionPad2d(3), Conv2d(f, 3, kernelSize: 7, rng: &rng), Tanh()]
  return Sequential(layers)
}

/// The pix2pix U-Net: `unetDepth` conv4×4 s2 downsamplings (LeakyReLU 0.2, IN), mirrored
/// transposed-conv upsamplings (ReLU, IN) with skip connections, tanh output.
public final class UNetGenerator: Layer {
  /// Downsampling convolutions, outermost first.
  public let downConvs: [Conv2d]
  /// Upsampling transposed convolutions, outermost first.
  public let upConvs: [ConvTranspose2d]
  let downNorms: [InstanceNorm2d]
  let upNorms: [InstanceNorm2d]
  public var isTraining = true

  init(_ config: CycleGANConfig, rng: inout RandomGenerator) {
    let depth = config.unetDepth, f = config.ngf
    // Channels after down level i: f, 2f, 4f, 8f, 8f, …
    let widths = (0..<depth).map { f * min(1 << $0, 8) }
    var downs: [Conv2d] = [], ups: [ConvTranspose2d] = [], dn: [InstanceNorm2d] = [], un: [InstanceNorm2d] = []
    for i in 0..<depth {
      let cin = i == 0 ? 3 : widths[i - 1]
      downs.append(Conv2d(cin, widths[i], kernelSize: 4, stride: 2, padding: 1, rng: &rng))
      dn.append(InstanceNorm2d(widths[i]))
      // Up level i takes down level i's output (concatenated with the skip, except innermost).
      let upIn = i == depth - 1 ? widths[i] : 2 * widths[i]
      let upOut = i == 0 ? 3 : widths[i - 1]
      ups.append(ConvTranspose2d(upIn, upOut, kernelSize: 4, stride: 2, padding: 1, rng: &rng))
      un.append(InstanceNorm2d(upOut))
    }
    downConvs = downs
    upConvs = ups
    downNorms = dn
    upNorms = un
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    [("down", ModuleList(downConvs.map { $0 as any Module })), ("up", ModuleList(upConvs.map { $0 as any Module }))]
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let depth = downConvs.count
    guard x.rank == 4, x.shape[1] == 3, x.shape[2] % (1 << depth) == 0, x.shape[3] % (1 << depth) == 0 else {
      throw NNError.badInput(layer: "UNetGenerator(depth \(depth))", expected: "N×3×H×W with H, W divisible by \(1 << depth)", found: x.shape)
    }
    var skips: [Tensor] = []
    var h = x
    for i in 0..<depth {
      // The outermost down has no activation before it and no norm; the innermost no norm.
      if i > 0 { h = h.leakyRelu(0.2) }
      h = try downConvs[i](h)
      if i > 0 && i < depth - 1 { h = try downNorms[i](h) }
      skips.append(h)
    }
    for i in (0..<depth).reversed() {
      if i < depth - 1 { h = Tensor.concat([skips[i], h], axis: 1) }
      h = try upConvs[i](h.relu())
      if i > 0 { h = try upNorms[i](h) }
    }
    return h.tanh()
  }
}

/// The 70×70-style PatchGAN discriminator: C(ndf) without norm, then `layers − 1` further
/// stride-2 C(·) with IN, one stride-1 C(·) with IN, and a 1-channel conv4×4 (LSGAN scores,
/// no sigmoid). Convolutions 4×4, padding 1, LeakyReLU 0.2.
func patchDiscriminator(_ config: CycleGANConfig, rng: inout RandomGenerator) -> Sequential {
  let f = config.ndf, n = config.discriminatorLayers
  var layers: [any Layer] = [Conv2d(3, f, kernelSize: 4, stride: 2, padding: 1, rng: &rng), LeakyReLU(0.2)]
  var c = f
  for k in 1..<max(n, 1) {
    let next = f * min(1 << k, 8)
    layers += [Conv2d(c, next, kernelSize: 4, stride: 2, padding: 1, rng: &rng), InstanceNorm2d(next), LeakyReLU(0.2)]
    c = next
  }
  let next = f * min(1 << n, 8)
  layers += [Conv2d(c, next, kernelSize: 4, stride: 1, padding: 1, rng: &rng), InstanceNorm2d(next), LeakyReLU(0.2)]
  layers.append(Conv2d(next, 1, kernelSize: 4, stride: 1, padding: 1, rng: &rng))
  return Sequential(layers)
}
