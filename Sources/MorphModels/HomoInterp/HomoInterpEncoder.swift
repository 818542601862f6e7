import MorphNN
import MorphTensor

/// The layer plans of VGG19's convolutions (torchvision `features`), shared by the encoder
/// and the VGG19 teacher. `nil` is a 2×2 max-pool.
enum VGGPlan {
  /// VGG19 `features` up to relu5_1: 64,64,M,128,128,M,256×4,M,512×4,M,512.
  static let toRelu51: [Int?] = [64, 64, nil, 128, 128, nil, 256, 256, 256, 256, nil, 512, 512, 512, 512, nil, 512]
  /// All of VGG19 `features` (torchvision indices 0…36).
  static let full: [Int?] = [64, 64, nil, 128, 128, nil, 256, 256, 256, 256, nil, 512, 512, 512, 512, nil, 512, 512, 512, 512, nil]

  /// The encoder plan: VGG19 to relu5_1 keeping only the first `poolings` pools, so a 64 px
  /// model can keep an 8×8 latent with three.
  static func encoder(poolings: Int) -> [Int?] {
    var kept = 0
    return toRelu51.filter { c in
      guard c == nil else { return true }
      kept += 1
      return kept <= poolings
    }
  }

  /// conv3×3(pad 1) + ReLU per channel entry, MaxPool per nil, as a torchvision-indexed
  /// Sequential (`0.weight`, `2.weight`, `5.weight` …).
  static func layers(_ plan: [Int?], inChannels: Int, scale: (Int) -> Int, rng: inout RandomGenerator) -> [any Layer] {
    var layers: [any Layer] = []
    var c = inChannels
    for entry in plan {
      if let out = entry {
        layers.append(Conv2d(c, scale(out), kernelSize: 3, padding: 1, rng: &rng))
        layers.append(ReLU())
        c = scale(out)
      } else {
        layers.append(MaxPool2d())
      }
    }
    return layers
  }
}

/// `E`: VGG19 convolutions up to relu5_1 (width-scaled, `poolings` pools): symmetric image →
/// latent (converted to `config.imageNormalization` first).
public final class HomoInterpEncoder: Layer {
  public let features: Sequential
  public let config: HomoInterpConfig
  public var isTraining = true

  init(config: HomoInterpConfig, rng: inout RandomGenerator) {
    self.config = config
    features = Sequential(VGGPlan.layers(VGGPlan.encoder(poolings: config.poolings), inChannels: 3, scale: config.channels, rng: &rng))
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] { [("features", features)] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let s = config.imageSize
    guard x.rank == 4, x.shape[0] > 0, x.shape[1] == 3, x.shape[2] == s, x.shape[3] == s else {
      throw HomoInterpError.badShape(operation: "encode", expected: "images [N, 3, \(s), \(s)]", found: x.shape)
    }
    // The stages hand symmetric images; a checkpoint trained on another scaling reads its own.
    return try features(config.pixelScaling.fromSymmetric(x))
  }
}
