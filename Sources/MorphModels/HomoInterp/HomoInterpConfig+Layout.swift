import MorphTensor

/// How a model's encoder reads and its decoder writes pixels.
///
/// Morph's stages hand the model symmetric images (pixel/127.5 − 1) and take symmetric images
/// back; the model converts to and from its own scaling at its edges, so an imported
/// checkpoint trained on ImageNet-normalised images runs in every recipe unchanged.
public enum HomoInterpImageNormalization: String, Codable, Sendable, CaseIterable {
  /// pixel/127.5 − 1, Morph's own scaling.
  case symmetric
  /// torchvision's ImageNet normalisation of pixel/255: (x − mean)/std per channel with mean
  /// (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225); the reference HomoInterpGAN's
  /// `data/attributeDataset.py` reads images this way and its `untransformTensor` undoes it.
  case imagenet

  static let imagenetMean: [Float] = [0.485, 0.456, 0.406]
  static let imagenetStd: [Float] = [0.229, 0.224, 0.225]

  /// Symmetric images [N, 3, H, W] in this scaling.
  func fromSymmetric(_ x: Tensor) -> Tensor {
    switch self {
    case .symmetric: return x
    case .imagenet:
      // ((x + 1)/2 − mean)/std = x · (1/(2 std)) + (0.5 − mean)/std
      let scale = Self.imagenetStd.map { 0.5 / $0 }
      let shift = zip(Self.imagenetMean, Self.imagenetStd).map { (0.5 - $0) / $1 }
      return x * Tensor(shape: [1, 3, 1, 1], scalars: scale) + Tensor(shape: [1, 3, 1, 1], scalars: shift)
    }
  }

  /// Images [N, 3, H, W] in this scaling, as symmetric ones (unclamped).
  func toSymmetric(_ y: Tensor) -> Tensor {
    switch self {
    case .symmetric: return y
    case .imagenet:
      // 2 (y · std + mean) − 1
      let scale = Self.imagenetStd.map { 2 * $0 }
      let shift = Self.imagenetMean.map { 2 * $0 - 1 }
      return y * Tensor(shape: [1, 3, 1, 1], scalars: scale) + Tensor(shape: [1, 3, 1, 1], scalars: shift)
    }
  }
}

/// The critic's layout: trunk width, whether its instance norms are affine, whether a leaky
/// ReLU follows the 2×2 convolution, and how many real/fake channels the score averages.
///
/// Morph's critic keeps the latent width with plain instance norms and one score channel; the
/// reference's `discrim` narrows to 256 channels (at width 1) with affine instance norms, ends
/// with the 2×2 convolution and scores with a 256-channel 1×1 convolution whose mean its loss
/// takes.
public struct HomoInterpCriticLayout: Codable, Equatable, Sendable {
  /// Channels of the trunk after its first 1×1 convolution.
  public var channels: Int
  /// Whether the instance norms carry a learned scale and shift.
  public var affineNorm: Bool
  /// Whether a leaky ReLU follows the trunk's last (2×2) convolution.
  public var finalActivation: Bool
  /// Output channels of the real/fake convolution; the score is their mean.
  public var scoreChannels: Int

  public init(channels: Int, affineNorm: Bool, finalActivation: Bool, scoreChannels: Int) {
    self.channels = channels
    self.affineNorm = affineNorm
    self.finalActivation = finalActivation
    self.scoreChannels = scoreChannels
  }

  /// Morph's own critic at this latent width.
  public static func morph(latentChannels: Int) -> HomoInterpCriticLayout {
    HomoInterpCriticLayout(channels: latentChannels, affineNorm: false, finalActivation: true, scoreChannels: 1)
  }

  /// The reference's `discrim` with a trunk of `channels` (256 at width 1).
  public static func reference(channels: Int) -> HomoInterpCriticLayout {
    HomoInterpCriticLayout(channels: channels, affineNorm: true, finalActivation: false, scoreChannels: channels)
  }
}
