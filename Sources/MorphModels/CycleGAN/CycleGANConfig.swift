import Foundation

/// The generator architecture of a CycleGAN translator.
public enum CycleGANGeneratorKind: String, Codable, Sendable, CaseIterable {
  /// c7s1-ngf, two stride-2 downsamplings, N residual blocks, two upsamplings, c7s1-3, tanh.
  case resnet
  /// Encoder–decoder with skip connections (pix2pix U-Net), down to 1×1 or `unetDepth` levels.
  case unet
}

/// Everything that fixes a translator's shapes; stored in checkpoint metadata.
public struct CycleGANConfig: Codable, Equatable, Sendable {
  /// Square image side (a multiple of 4 for ResNet, of 2^unetDepth for U-Net).
  public var imageSize: Int
  public var generator: CycleGANGeneratorKind
  /// Generator base width (64 in the paper).
  public var ngf: Int
  /// Discriminator base width (64 in the paper).
  public var ndf: Int
  /// Residual blocks of the ResNet generator (9 at 256 px, 6 at 128 px in the paper).
  public var residualBlocks: Int
  /// Downsamplings of the U-Net generator.
  public var unetDepth: Int
  /// Stride-2 layers of the PatchGAN discriminator (3 gives the 70×70 receptive field).
  public var discriminatorLayers: Int
  /// Which faces are domain A and which are domain B.
  public var split: CycleGANDomainSplit

  public init(
    imageSize: Int = 64, generator: CycleGANGeneratorKind = .resnet, ngf: Int = 32, ndf: Int = 32,
    residualBlocks: Int = 6, unetDepth: Int = 6, discriminatorLayers: Int = 3, split: CycleGANDomainSplit
  ) {
    self.imageSize = imageSize
    self.generator = generator
    self.ngf = ngf
    self.ndf = ndf
    self.residualBlocks = residualBlocks
    self.unetDepth = unetDepth
    self.discriminatorLayers = discriminatorLayers
    self.split = split
  }

  /// Smallest sensible translator for tests (16 px, width 4, one residual block).
  public static func tiny(split: CycleGANDomainSplit, generator: CycleGANGeneratorKind = .resnet) -> CycleGANConfig {
    CycleGANConfig(
      imageSize: 16, generator: generator, ngf: 4, ndf: 4, residualBlocks: 1, unetDepth: 3, discriminatorLayers: 2,
      split: split)
  }

  /// Throws unless the shapes work out.
  public func validate() throws {
    guard imageSize >= 8, imageSize <= 1024 else { throw CycleGANError.badConfig("imageSize must be in 8…1024, got \(imageSize)") }
    guard ngf >= 1, ndf >= 1 else { throw CycleGANError.badConfig("ngf and ndf must be positive, got \(ngf), \(ndf)") }
    switch generator {
    case .resnet:
      guard imageSize % 4 == 0 else { throw CycleGANError.badConfig("the ResNet generator needs imageSize divisible by 4, got \(imageSize)") }
      guard residualBlocks >= 0 else { throw CycleGANError.badConfig("residualBlocks must be ≥ 0, got \(residualBlocks)") }
    case .unet:
      guard unetDepth >= 2, imageSize % (1 << unetDepth) == 0 else {
        throw CycleGANError.badConfig("the U-Net generator needs unetDepth ≥ 2 and imageSize divisible by 2^unetDepth, got \(unetDepth) for \(imageSize)")
      }
    }
    guard discriminatorLayers >= 1 else { throw CycleGANError.badConfig("discriminatorLayers must be ≥ 1") }
    // Sides: n stride-2 halvings, then two k4 s1 p1 convolutions each remove one pixel.
    let side = imageSize >> discriminatorLayers
    guard side >= 3, imageSize % (1 << discriminatorLayers) == 0 else {
      throw CycleGANError.badConfig("the discriminator with \(discriminatorLayers) stride-2 layers needs imageSize ≥ \(3 << discriminatorLayers) and divisible by \(1 << discriminatorLayers), got \(imageSize)")
    }
    guard !split.attributes.isEmpty else { throw CycleGANError.badConfig("the domain split '\(split.name)' has no modelled attribute") }
  }
}
