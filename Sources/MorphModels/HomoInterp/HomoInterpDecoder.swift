import MorphNN
import MorphTensor

/// `D`: conv-BN-ReLU blocks with nearest ×2 upsamplings back to a 3-channel image in [−1, 1].
///
/// The reference's layout differs only by config: its convolutions keep their bias
/// (`decoderConvBias`), it has no final tanh (`decoderTanh`) and it draws ImageNet-normalised
/// pixels (`imageNormalization`), converted back to symmetric ones here.
///
/// The reference (four poolings) is 512 | up | 256×4 | up | 128×4 | up | 64×2 | up | 64, 3.
/// With fewer poolings the first upsamplings are dropped, mirroring the encoder, which drops
/// its last pools. `config.decoderMinChannels` raises the thinnest stages.
public final class HomoInterpDecoder: Layer {
  public let layers: Sequential
  public let config: HomoInterpConfig
  public var isTraining = true

  /// Reference stages between upsamplings.
  static let stages: [[Int]] = [[512], [256, 256, 256, 256], [128, 128, 128, 128], [64, 64], [64]]

  init(config: HomoInterpConfig, rng: inout RandomGenerator) {
    self.config = config
    var list: [any Layer] = []
    var c = config.latentChannels
    let skipped = 4 - config.poolings
    for (k, stage) in Self.stages.enumerated() {
      if k > skipped { list.append(Upsample(mode: .nearest)) }
      for out in stage {
        let o = config.decoderChannels(out)
        list.append(Conv2d(c, o, kernelSize: 3, padding: 1, bias: config.decoderConvBias ?? false, rng: &rng))
        list.append(BatchNorm2d(o))
        list.append(ReLU())
        c = o
      }
    }
    list.append(Conv2d(c, 3, kernelSize: 3, padding: 1, rng: &rng))
    if config.decoderTanh ?? true { list.append(Tanh()) }
    layers = Sequential(list)
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] { [("layers", layers)] }

  public func callAsFunction(_ f: Tensor) throws -> Tensor {
    let c = config.latentChannels, s = config.latentSide
    guard f.rank == 4, f.shape[0] > 0, f.shape[1] == c, f.shape[2] == s, f.shape[3] == s else {
      throw HomoInterpError.badShape(operation: "decode", expected: "latents [N, \(c), \(s), \(s)]", found: f.shape)
    }
    // Back to the symmetric images the stages expect (unclamped, so training sees gradients).
    return config.pixelScaling.toSymmetric(try layers(f))
  }
}
