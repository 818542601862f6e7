import Foundation
import MorphNN
import MorphTensor

/// Builds a Morph model from the state dicts of the reference HomoInterpGAN
/// (EnVision-Research/HomoInterpGAN): one store (the five files' tensors, `module.` prefixes
/// of DataParallel removed) and one name map from the reference's keys to Morph's, candle
/// VarBuilder style. Widths and the layout come from the tensors' shapes, checked against the
/// model the inferred configuration builds, so a file of another architecture is refused
/// naming the key and both shapes instead of loading as something else.
///
/// What the reference is (network/model.py, base_network.py, run.py, optim_homoInterp.py):
/// an encoder of VGG19 convolutions to relu5_1 named `model.features_{1,2,3}.convA_B`; an
/// interpolator of `branch.i.model.{0,2,4}` (one branch per attribute group plus the residual
/// branch run.py adds); a decoder `model.N` of conv(bias)-BN-ReLU blocks and nearest
/// upsamplings ending with a convolution and no tanh, in ImageNet-normalised pixels; a
/// discriminator `model.N`/`ifReal`/`attr_branches.i` on the latent; the knowledge-guidance
/// transform `KGTransform`, one 1×1 convolution.
public enum HomoInterpReferenceImport {
  /// The files of the reference's checkpoint folder, `<part>-<label>.pth`.
  public enum Part: String, CaseIterable, Sendable {
    case encoder
    case interpNet = "interp_net"
    case decoder
    case discrim
    case kgTransform = "KGTransform"

    /// Whether an import needs this file (the others only add the critic and projection).
    public var isRequired: Bool { self == .encoder || self == .interpNet || self == .decoder }

    /// `<part>-<label>.pth`.
    public func fileName(label: String) -> String { "\(rawValue)-\(label).pth" }
  }

  /// The released model's groups in branch order (the reference's run.py default `--attr`;
  /// its README calls them Expression, Gender trait, Hair colour, Hair style and Age), under
  /// the names of Morph's default groups with the same attributes.
  public static let releasedGroups: [AttributeGroup] = [
    AttributeGroup(name: "expression", attributes: ["Mouth_Slightly_Open", "Smiling"]),
    AttributeGroup(name: "gender", attributes: ["Male", "No_Beard", "Mustache", "Goatee", "Sideburns"]),
    AttributeGroup(name: "hair_color", attributes: ["Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair"]),
    AttributeGroup(name: "hair_style", attributes: ["Bald", "Receding_Hairline", "Bangs"]),
    AttributeGroup(name: "age", attributes: ["Young"]),
  ]

  /// Groups from the reference's `--attr` syntax ("Mouth_Slightly_Open@Smiling,Young": `@`
  /// joins the attributes of a group, `,` separates groups), for a model trained with other
  /// groups than the released one. A group with the attributes of one of Morph's default
  /// groups takes its name; any other is named after its attributes, lower-cased and joined
  /// by `+`. The reference's `#` (negated attribute) has no Morph equivalent and is refused.
  public static func groups(fromAttr text: String) throws -> [AttributeGroup] {
    let groups = try text.split(separator: ",", omittingEmptySubsequences: false).map { field -> AttributeGroup in
      let attributes = field.split(separator: "@", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      guard !attributes.contains(where: { $0.isEmpty }) else {
        throw HomoInterpError.badConfig("--attr '\(text)': empty attribute in group '\(field)'")
      }
      if let negated = attributes.first(where: { $0.hasPrefix("#") }) {
        throw HomoInterpError.badConfig("--attr '\(text)': negated attribute '\(negated)' (the reference's '#') is not supported")
      }
      let name = AttributeGroup.defaultGroups.first { $0.attributes == attributes }?.name
        ?? attributes.map { $0.lowercased() }.joined(separator: "+")
      return AttributeGroup(name: name, attributes: attributes)
    }
    let names = groups.map(\.name)
    guard Set(names).count == names.count else { throw HomoInterpError.badConfig("--attr '\(text)': a group repeats (\(names))") }
    return groups
  }

  /// The image side the reference trains and tests at (160×160 CelebA crops resized to 128).
  public static let referenceImageSize = 128

  /// An imported model and what the import did not take, one sentence per item.
  public struct Result {
    public var model: HomoInterpModel
    /// Parts absent or not taken and why (the critic or projection then start fresh).
    public var notes: [String]
  }

  /// Errors naming the file part and key at fault.
  public enum ImportError: Error, CustomStringConvertible, Equatable {
    case missingPart(Part)
    case missingKey(part: Part, key: String)
    case unknownKey(part: Part, key: String)
    case shapeMismatch(part: Part, key: String, found: [Int], expected: [Int], morphName: String)
    case layout(part: Part, message: String)

    public var description: String {
      switch self {
      case .missingPart(let p): return "\(p.rawValue): the reference checkpoint folder has no \(p.rawValue)-<label>.pth, which an import needs"
      case .missingKey(let p, let k): return "\(p.rawValue): state dict lacks '\(k)' (not the reference HomoInterpGAN architecture?)"
      case .unknownKey(let p, let k):
        return "\(p.rawValue): state dict has '\(k)', which the reference HomoInterpGAN architecture does not (another model?)"
      case .shapeMismatch(let p, let k, let found, let expected, let name):
        return "\(p.rawValue): '\(k)' has shape \(found), but the model inferred from the encoder's first convolution needs \(expected) for '\(name)'"
      case .layout(let p, let message): return "\(p.rawValue): \(message)"
      }
    }
  }

  // MARK: - The store

  /// The tensors of each file with DataParallel's `module.` prefix removed (a file saved
  /// without DataParallel, as run.py saves the discriminator, has none) and integer buffers
  /// (batch norm's `num_batches_tracked`) dropped: Morph does not keep them.
  public static func store(_ files: [Part: [String: Tensor]]) -> [Part: [String: Tensor]] {
    files.mapValues { state in
      let prefixed = !state.isEmpty && state.keys.allSatisfy { $0.hasPrefix("module.") }
      var out: [String: Tensor] = [:]
      for (key, tensor) in state where !key.hasSuffix("num_batches_tracked") {
        out[prefixed ? String(key.dropFirst("module.".count)) : key] = tensor
      }
      return out
    }
  }

  // MARK: - The name map

  /// VGG19's convolution names to relu5_1 with their torchvision `features` indices, which
  /// Morph's encoder uses with four poolings.
  static let vggConvolutions: [(name: String, block: Int, index: Int)] = [
    ("conv1_1", 1, 0), ("conv1_2", 1, 2), ("conv2_1", 1, 5), ("conv2_2", 1, 7), ("conv3_1", 1, 10),
    ("conv3_2", 2, 12), ("conv3_3", 2, 14), ("conv3_4", 2, 16), ("conv4_1", 2, 19),
    ("conv4_2", 3, 21), ("conv4_3", 3, 23), ("conv4_4", 3, 25), ("conv5_1", 3, 28),
  ]

  /// Morph's name for a reference key of `part`, or nil when the architecture has no such key.
  /// The decoder's and discriminator's Sequentials have the same indices in both (Morph's
  /// extra tanh or leaky ReLU comes last and holds no weights).
  static func morphName(_ part: Part, _ key: String) -> String? {
    let fields = key.split(separator: ".").map(String.init)
    guard let param = fields.last, ["weight", "bias", "running_mean", "running_var"].contains(param) else { return nil }
    switch part {
    case .encoder:
      guard fields.count == 4, fields[0] == "model",
        let conv = vggConvolutions.first(where: { "features_\($0.block)" == fields[1] && $0.name == fields[2] })
      else { return nil }
      return "encoder.features.\(conv.index).\(param)"
    case .interpNet:
      guard fields.count == 5, fields[0] == "branch", let i = Int(fields[1]), fields[2] == "model", let j = Int(fields[3]) else { return nil }
      return "interpolator.branches.\(i).\(j).\(param)"
    case .decoder:
      guard fields.count == 3, fields[0] == "model", let j = Int(fields[1]) else { return nil }
      return "decoder.layers.\(j).\(param)"
    case .discrim:
      if fields.count == 3, fields[0] == "model", let j = Int(fields[1]) { return "critic.trunk.\(j).\(param)" }
      if fields.count == 2, fields[0] == "ifReal" { return "critic.adversarial.\(param)" }
      if fields.count == 3, fields[0] == "attr_branches", let i = Int(fields[1]) { return "critic.classifiers.\(i).\(param)" }
      return nil
    case .kgTransform:
      return fields.count == 1 ? "projection.conv.\(param)" : nil
    }
  }

  // MARK: - Import

  /// A Morph model holding the reference's weights. `files` are the state dicts as read
  /// (prefixed or not); encoder, interp_net and decoder are required, discrim and KGTransform
  /// optional (the critic and projection start fresh without them, and `notes` says so).
  /// `groups` are the interpolator's groups in branch order (the released model's by default).
  public static func importModel(
    _ files: [Part: [String: Tensor]], groups: [AttributeGroup] = releasedGroups, imageSize: Int = referenceImageSize
  ) throws -> Result {
    let parts = store(files)
    for part in Part.allCases where part.isRequired && parts[part] == nil { throw ImportError.missingPart(part) }
    let (config, notes, taken) = try inferConfig(parts, groups: groups, imageSize: imageSize)
    // He initialisation (Gaussian draws) only for the parts that start fresh, as a new model
    // initialises them: drawing a whole full-width model would take longer than reading it.
    let fresh = HomoInterpModel(config: config, seed: 0, initialise: false)
    var rng = RandomGenerator(seed: 0)
    if !taken.contains(.discrim) {
      HeInit.apply(to: fresh.critic, negativeSlope: 0.2, rng: &rng)
      fresh.critic.adversarial.weight.assign(fresh.critic.adversarial.weight * 0.05)
    }
    if !taken.contains(.kgTransform) { HeInit.apply(to: fresh.projection, rng: &rng) }
    var state = fresh.stateDict()
    for part in Part.allCases where taken.contains(part) {
      guard let tensors = parts[part] else { continue }
      var seen = Set<String>()
      for (key, tensor) in tensors.sorted(by: { $0.key < $1.key }) {
        guard let name = morphName(part, key), let expected = state[name] else { throw ImportError.unknownKey(part: part, key: key) }
        guard tensor.shape == expected.shape else {
          throw ImportError.shapeMismatch(part: part, key: key, found: tensor.shape, expected: expected.shape, morphName: name)
        }
        state[name] = tensor
        seen.insert(name)
      }
      // Every Morph weight of the part must have come from the file.
      let prefixes = morphPrefixes(part)
      if let missing = state.keys.sorted().first(where: { n in prefixes.contains { n.hasPrefix($0) } && !seen.contains(n) }) {
        throw ImportError.missingKey(part: part, key: referenceKey(forMorph: missing, part) ?? missing)
      }
    }
    // Loading shares the files' storage (tensors copy on write) and frees the fresh weights, so
    // the import holds about one model beside the files rather than three.
    try fresh.load(stateDict: state, strict: true)
    fresh.eval()
    return Result(model: fresh, notes: notes)
  }

  /// The Morph module prefixes a part fills.
  static func morphPrefixes(_ part: Part) -> [String] {
    switch part {
    case .encoder: return ["encoder."]
    case .interpNet: return ["interpolator."]
    case .decoder: return ["decoder."]
    case .discrim: return ["critic."]
    case .kgTransform: return ["projection."]
    }
  }

  /// The reference key that maps to a Morph name (for messages about missing keys).
  static func referenceKey(forMorph name: String, _ part: Part) -> String? {
    let fields = name.split(separator: ".").map(String.init)
    guard let param = fields.last else { return nil }
    switch part {
    case .encoder:
      guard fields.count == 4, let i = Int(fields[2]), let conv = vggConvolutions.first(where: { $0.index == i }) else { return nil }
      return "model.features_\(conv.block).\(conv.name).\(param)"
    case .interpNet: return fields.count == 5 ? "branch.\(fields[2]).model.\(fields[3]).\(param)" : nil
    case .decoder: return fields.count == 4 ? "model.\(fields[2]).\(param)" : nil
    case .discrim:
      if fields[1] == "trunk", fields.count == 4 { return "model.\(fields[2]).\(param)" }
      if fields[1] == "adversarial" { return "ifReal.\(param)" }
      if fields[1] == "classifiers", fields.count == 4 { return "attr_branches.\(fields[2]).\(param)" }
      return nil
    case .kgTransform: return param
    }
  }

  /// The configuration the store's shapes describe, notes on what is not taken, and the parts
  /// taken. The width is the encoder's first convolution's over VGG's 64; the interpolator's
  /// branch count says whether there is a residual branch; the discriminator's and
  /// KGTransform's shapes give the critic's layout and the projection's width.
  static func inferConfig(
    _ parts: [Part: [String: Tensor]], groups: [AttributeGroup], imageSize: Int
  ) throws -> (HomoInterpConfig, [String], Set<Part>) {
    guard let encoder = parts[.encoder], let interp = parts[.interpNet], let decoder = parts[.decoder] else {
      throw ImportError.missingPart(.encoder)
    }
    let firstKey = "model.features_1.conv1_1.weight"
    guard let first = encoder[firstKey] else { throw ImportError.missingKey(part: .encoder, key: firstKey) }
    guard first.shape.count == 4, first.shape[1] == 3, first.shape[2] == 3, first.shape[3] == 3, first.shape[0] >= 1 else {
      throw ImportError.layout(part: .encoder, message: "'\(firstKey)' has shape \(first.shape); expected [C, 3, 3, 3] (VGG's first convolution)")
    }
    let width = Double(first.shape[0]) / 64
    let branchIndices = Set(interp.keys.compactMap { k -> Int? in
      let f = k.split(separator: ".")
      return f.count > 2 && f[0] == "branch" ? Int(f[1]) : nil
    })
    let branches = branchIndices.count
    guard branchIndices == Set(0..<branches), branches == groups.count || branches == groups.count + 1 else {
      throw ImportError.layout(
        part: .interpNet,
        message: "has \(branches) branches (indices \(branchIndices.sorted())); the \(groups.count) attribute groups "
          + "(\(groups.map(\.name).joined(separator: ", "))) need \(groups.count) or \(groups.count + 1) with the residual branch")
    }
    var config = HomoInterpConfig(
      imageSize: imageSize, width: width, poolings: 4, groups: groups, interpolatorResidual: branches == groups.count + 1 ? nil : false,
      imageNormalization: .imagenet, decoderConvBias: decoder["model.0.bias"] != nil, decoderTanh: false)
    var notes: [String] = []
    var taken: Set<Part> = [.encoder, .interpNet, .decoder]

    if let kg = parts[.kgTransform] {
      if let w = kg["weight"], w.shape.count == 4, w.shape[2] == 1, w.shape[3] == 1, kg["bias"] != nil {
        config.projectionChannels = w.shape[0] == config.latentChannels ? nil : w.shape[0]
        taken.insert(.kgTransform)
      } else {
        notes.append("KGTransform: not a single 1×1 convolution (weight \(kg["weight"]?.shape ?? [])); the projection starts fresh")
      }
    } else {
      notes.append("KGTransform: no file; the knowledge-guidance projection starts fresh (needed only for training)")
    }

    if let discrim = parts[.discrim] {
      let heads = Set(discrim.keys.compactMap { k -> Int? in
        let f = k.split(separator: ".")
        return f.count == 3 && f[0] == "attr_branches" ? Int(f[1]) : nil
      }).count
      let sizes = (0..<heads).map { discrim["attr_branches.\($0).weight"]?.shape.first ?? -1 }
      if let w = discrim["model.0.weight"], w.shape.count == 4, sizes == groups.map(\.attributes.count) {
        config.critic = .reference(channels: w.shape[0])
        if let score = discrim["ifReal.weight"]?.shape.first { config.critic?.scoreChannels = score }
        taken.insert(.discrim)
      } else {
        notes.append(
          "discrim: its attribute heads have \(sizes) outputs, the groups \(groups.map(\.attributes.count)); the critic starts fresh "
            + "(its attribute probabilities mean nothing until trained: score with an oracle)")
      }
    } else {
      notes.append("discrim: no file; the critic starts fresh (its attribute probabilities mean nothing until trained: score with an oracle)")
    }
    do { try config.validate() } catch { throw ImportError.layout(part: .encoder, message: "inferred configuration is invalid: \(error)") }
    return (config, notes, taken)
  }
}
