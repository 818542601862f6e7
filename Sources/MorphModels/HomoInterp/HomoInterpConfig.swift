import Foundation

/// Everything that fixes a HomoInterp model's shapes; stored in checkpoint metadata.
public struct HomoInterpConfig: Codable, Equatable, Sendable {
  /// Side of the square input image in pixels (64, 128 …).
  public var imageSize: Int
  /// Channel multiplier (1 = the reference VGG19 widths).
  public var width: Double
  /// Encoder depth: the latent side is `imageSize >> poolings`.
  public var poolings: Int
  /// Attribute groups, one interpolator branch and one critic head each.
  public var groups: [AttributeGroup]
  /// Output channels of the knowledge-guidance projection `P` (the teacher's `Φ_5` width);
  /// nil means the latent width.
  public var projectionChannels: Int?
  /// Fewest channels of any decoder convolution (nil: none, the reference's widths scaled by
  /// `width`). At small widths the reference's 64-channel full-resolution stages shrink to a
  /// handful of channels, too few to draw fine detail; a floor widens only those stages.
  public var decoderMinChannels: Int?
  /// Whether each interpolator branch pools its first layer's features over the whole latent
  /// and adds a learned 1×1 map of that mean back at every cell (nil or false: not, as the
  /// reference). A 3×3 branch sees 7×7 cells of a 16×16 latent: where the source has hair
  /// and the reference has none, nothing it sees says which colour the reference's hair is.
  /// The pooled term carries the change the branch sees where both have hair to every cell.
  public var interpolatorGlobal: Bool?
  /// Whether the interpolator has a residual branch after the group branches, moving what no
  /// group describes (nil or true, as Morph trains and as the reference's `run.py` builds it;
  /// false for a state dict with exactly one branch per group).
  public var interpolatorResidual: Bool?
  /// How pixels are scaled where the encoder reads images and the decoder writes them (nil:
  /// `.symmetric`). The model converts from and to Morph's symmetric [−1, 1] itself, so every
  /// stage hands it the same images whatever the checkpoint was trained with.
  public var imageNormalization: HomoInterpImageNormalization?
  /// Whether the decoder's convolutions before batch norm carry a bias (nil or false: none,
  /// as Morph trains; the reference's `nn.Conv2d` defaults keep one).
  public var decoderConvBias: Bool?
  /// Whether the decoder ends with tanh (nil or true). The reference ends with its last
  /// convolution, in ImageNet-normalised units; `decode` then clamps to the image range.
  public var decoderTanh: Bool?
  /// The critic's layout when it is not Morph's (nil: latent width throughout, plain instance
  /// norm, a leaky ReLU after the 2×2 convolution, one real/fake channel).
  public var critic: HomoInterpCriticLayout?

  public init(
    imageSize: Int, width: Double, poolings: Int, groups: [AttributeGroup], projectionChannels: Int? = nil,
    decoderMinChannels: Int? = nil,
    interpolatorGlobal: Bool? = nil, interpolatorResidual: Bool? = nil, imageNormalization: HomoInterpImageNormalization? = nil,
    decoderConvBias: Bool? = nil, decoderTanh: Bool? = nil, critic: HomoInterpCriticLayout? = nil
  ) {
    self.imageSize = imageSize
    self.width = width
    self.poolings = poolings
    self.groups = groups
    self.projectionChannels = projectionChannels
    self.decoderMinChannels = decoderMinChannels
    self.interpolatorGlobal = interpolatorGlobal
    self.interpolatorResidual = interpolatorResidual
    self.imageNormalization = imageNormalization
    self.decoderConvBias = decoderConvBias
    self.decoderTanh = decoderTanh
    self.critic = critic
  }

  /// Whether the branches add a pooled, whole-latent term to their first layer's features.
  public var branchesPoolGlobally: Bool { interpolatorGlobal ?? false }

  /// Whether the last interpolator branch is the residual one.
  public var hasResidualBranch: Bool { interpolatorResidual ?? true }

  /// Interpolator branches: one per group, plus the residual branch when there is one. Every
  /// strength row the interpolator takes has this many columns.
  public var branchCount: Int { groups.count + (hasResidualBranch ? 1 : 0) }

  /// The pixel scaling of the encoder's input and the decoder's output.
  public var pixelScaling: HomoInterpImageNormalization { imageNormalization ?? .symmetric }

  /// The critic's layout, Morph's when the config names none.
  public var criticLayout: HomoInterpCriticLayout { critic ?? .morph(latentChannels: latentChannels) }

  /// Input channels of each branch's first convolution.
  public var branchInputChannels: Int { latentChannels }

  /// Smallest sensible model for tests: 32 px, width 1/16, 2 poolings (8×8 latent).
  public static func tiny(groups: [AttributeGroup]) -> HomoInterpConfig {
    HomoInterpConfig(imageSize: 32, width: 1.0 / 16, poolings: 2, groups: groups)
  }

  /// A reference channel count scaled by `width` (at least 1).
  public func channels(_ reference: Int) -> Int { max(1, Int((Double(reference) * width).rounded())) }

  /// A reference decoder channel count scaled by `width`, raised to `decoderMinChannels`.
  public func decoderChannels(_ reference: Int) -> Int { max(channels(reference), decoderMinChannels ?? 1) }

  /// Channels of the latent (VGG19's relu5_1 width, scaled).
  public var latentChannels: Int { channels(512) }
  /// Side of the square latent.
  public var latentSide: Int { imageSize >> poolings }
  /// Attributes over all groups, in group order.
  public var totalAttributes: Int { groups.reduce(0) { $0 + $1.attributes.count } }
  /// Attribute names over all groups, in group order.
  public var attributeNames: [String] { groups.flatMap(\.attributes) }

  /// Throws unless the configuration can build a model.
  public func validate() throws {
    guard (1...4).contains(poolings) else { throw HomoInterpError.badConfig("poolings must be 1...4, got \(poolings)") }
    guard width > 0, width <= 4, width.isFinite else { throw HomoInterpError.badConfig("width must be in (0, 4], got \(width)") }
    guard imageSize >= 8, imageSize <= 1024, imageSize % (1 << poolings) == 0 else {
      throw HomoInterpError.badConfig("imageSize \(imageSize) must be 8...1024 and divisible by 2^poolings = \(1 << poolings)")
    }
    let side = latentSide
    // The critic halves the latent down to 2×2: the side must be a power of two ≥ 2.
    guard side >= 2, side & (side - 1) == 0 else {
      throw HomoInterpError.badConfig("latent side imageSize >> poolings = \(side) must be a power of two ≥ 2")
    }
    if let p = projectionChannels, p < 1 { throw HomoInterpError.badConfig("projectionChannels must be positive, got \(p)") }
    if let m = decoderMinChannels, !(1...1024).contains(m) {
      throw HomoInterpError.badConfig("decoderMinChannels must be 1...1024, got \(m)")
    }
    if let k = critic {
      guard (1...4096).contains(k.channels), (1...4096).contains(k.scoreChannels) else {
        throw HomoInterpError.badConfig("critic channels and scoreChannels must be 1...4096, got \(k.channels) and \(k.scoreChannels)")
      }
    }
    guard !groups.isEmpty else { throw HomoInterpError.badConfig("at least one attribute group is needed") }
    for g in groups where g.attributes.isEmpty {
      throw HomoInterpError.badConfig("attribute group '\(g.name)' has no attributes")
    }
    let names = groups.map(\.name)
    guard Set(names).count == names.count else { throw HomoInterpError.badConfig("group names repeat: \(names)") }
  }
}

extension HomoInterpConfig {
  enum CodingKeys: String, CodingKey, CaseIterable {
    case imageSize, width, poolings, groups, projectionChannels, decoderMinChannels,
      interpolatorGlobal, interpolatorResidual, imageNormalization, decoderConvBias, decoderTanh, critic
  }

  private struct AnyKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
  }

  /// Refuses fields it does not know: every field changes the model, so a config written by a
  /// newer Morph must not load as a different model with that field silently dropped (an
  /// older binary once ran dilated interpolator branches undilated that way).
  public init(from decoder: any Decoder) throws {
    let known = Set(CodingKeys.allCases.map(\.rawValue))
    let all = try decoder.container(keyedBy: AnyKey.self).allKeys.map(\.stringValue)
    if let unknown = all.first(where: { !known.contains($0) }) {
      throw DecodingError.dataCorrupted(
        .init(
          codingPath: decoder.codingPath,
          debugDescription: "config has field '\(unknown)', which this version of Morph does not know (written by a newer one?)"))
    }
    let c = try decoder.container(keyedBy: CodingKeys.self)
    self.init(
      imageSize: try c.decode(Int.self, forKey: .imageSize), width: try c.decode(Double.self, forKey: .width),
      poolings: try c.decode(Int.self, forKey: .poolings), groups: try c.decode([AttributeGroup].self, forKey: .groups),
      projectionChannels: try c.decodeIfPresent(Int.self, forKey: .projectionChannels),
      decoderMinChannels: try c.decodeIfPresent(Int.self, forKey: .decoderMinChannels),
      interpolatorGlobal: try c.decodeIfPresent(Bool.self, forKey: .interpolatorGlobal),
      interpolatorResidual: try c.decodeIfPresent(Bool.self, forKey: .interpolatorResidual),
      imageNormalization: try c.decodeIfPresent(HomoInterpImageNormalization.self, forKey: .imageNormalization),
      decoderConvBias: try c.decodeIfPresent(Bool.self, forKey: .decoderConvBias),
      decoderTanh: try c.decodeIfPresent(Bool.self, forKey: .decoderTanh),
      critic: try c.decodeIfPresent(HomoInterpCriticLayout.self, forKey: .critic))
  }
}

extension HomoInterpConfig: CustomStringConvertible {
  /// "decoder ≥ N channels, " when the decoder has a channel floor, else "": for summaries.
  public var decoderFloorSummary: String { decoderMinChannels.map { "decoder ≥ \($0) channels, " } ?? "" }
  /// "branches pool globally, " when they do, else "": for summaries.
  public var interpolatorGlobalSummary: String { branchesPoolGlobally ? "branches pool globally, " : "" }

  /// What differs from Morph's own layout (the reference's), "" when nothing: for summaries.
  public var layoutSummary: String {
    var parts: [String] = []
    if !hasResidualBranch { parts.append("no residual branch") }
    if pixelScaling != .symmetric { parts.append("\(pixelScaling.rawValue) pixels") }
    if decoderConvBias == true { parts.append("decoder conv bias") }
    if decoderTanh == false { parts.append("no tanh") }
    if let k = critic { parts.append("critic \(k.channels) channels") }
    return parts.map { $0 + ", " }.joined()
  }

  public var description: String {
    "\(imageSize) px, width \(width), \(poolings) poolings, projection \(projectionChannels.map(String.init) ?? "latent"), "
      + decoderFloorSummary + interpolatorGlobalSummary + layoutSummary + "groups "
      + groups.map { "\($0.name)(\($0.attributes.joined(separator: ",")))" }.joined(separator: " ")
  }
}
