import Foundation
import MorphNN
import MorphTensor

/// The frozen teacher `Φ` of the knowledge-guidance and perceptual losses.
///
/// Two kinds: torchvision's VGG19 (`features.*` weights supplied by the user as safetensors;
/// nothing is ever downloaded) or, when none is supplied, the attribute classifier Morph
/// trains on the same data (`HomoInterpAttributeClassifier`), whose features serve as `Φ`.
public protocol HomoInterpTeacher: AnyObject {
  /// "vgg19:<file>" or "classifier (trained by Morph on the training data)": goes into
  /// checkpoint metadata and run records.
  var description: String { get }
  /// Channels of the deep feature `Φ_5` (at the latent's resolution).
  var deepChannels: Int { get }
  /// Perceptual features (compared by MSE between D(F) and x) and the deep feature `Φ_5`,
  /// of symmetric-normalised images [N, 3, S, S].
  func features(_ images: Tensor) throws -> (perceptual: [Tensor], deep: Tensor)
}

/// torchvision VGG19 `features` (indices 0…36) with ImageNet weights from a safetensors file.
public final class VGG19Teacher: HomoInterpTeacher, Module {
  public let features: Sequential
  public let file: String
  /// Index of the ReLU giving `Φ_5`: the first ReLU after `poolings` pools, so `Φ_5` has the
  /// latent's resolution (relu4_1 for three poolings, relu5_1 for four).
  let deepIndex: Int
  /// ReLU indices of the perceptual features (relu1_2, relu2_2, up to the deep one).
  let perceptualIndices: [Int]
  public var isTraining = false
  public let deepChannels: Int

  /// Torchvision layer indices of `features`: conv at i, ReLU at i + 1, pools in between.
  static func layout() -> (reluIndices: [Int], poolIndices: [Int], channels: [Int]) {
    var relus: [Int] = [], pools: [Int] = [], channels: [Int] = []
    var i = 0
    for entry in VGGPlan.full {
      if let c = entry {
        relus.append(i + 1)
        channels.append(c)
        i += 2
      } else {
        pools.append(i)
        i += 1
      }
    }
    return (relus, pools, channels)
  }

  /// Loads `features.*` from `url` (other keys, e.g. `classifier.*`, are ignored).
  public init(url: URL, poolings: Int) throws {
    file = url.path
    let contents = try Safetensors.read(url)
    features = try Self.features(from: contents.tensors, file: url.path)
    let (relus, pools, _) = Self.layout()
    guard (1...4).contains(poolings) else { throw HomoInterpError.badConfig("poolings must be 1...4, got \(poolings)") }
    // The first ReLU after the poolings-th pool.
    let afterPool = pools[poolings - 1]
    guard let k = relus.firstIndex(where: { $0 > afterPool }) else { throw HomoInterpError.badConfig("no VGG19 layer after pool \(poolings)") }
    let deep = relus[k]
    deepIndex = deep
    deepChannels = (features.layers[deep - 1] as? Conv2d)?.outChannels ?? 512
    // relu1_2, relu2_2, relu3_4 …: the last ReLU before each pool, up to the deep feature.
    perceptualIndices = pools.map { $0 - 1 }.filter { $0 < deep }
    for p in features.parameters { p.requiresGrad = false }
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] { [("features", features)] }
  public var description: String { "vgg19:\(file)" }

  /// VGG19's `features` Sequential holding `tensors`' `features.*` (a `module.` prefix of
  /// DataParallel removed; other keys such as `classifier.*` ignored), at the width its first
  /// convolution has (64 channels in torchvision's model; smaller ones for tests). Throws,
  /// naming `file`, when the tensors are not VGG19's `features` at one width.
  public static func features(from tensors: [String: Tensor], file: String) throws -> Sequential {
    let own = torchvisionFeatures(tensors)
    guard let first = own["features.0.weight"], first.shape.count == 4, first.shape[1] == 3 else {
      throw HomoInterpError.badCheckpoint(
        file: file, message: "no 'features.0.weight' of shape [C, 3, 3, 3]: expected torchvision VGG19 key names (features.0.weight …)")
    }
    let base = first.shape[0]
    var rng = RandomGenerator(seed: 0)
    let features = Sequential(VGGPlan.layers(VGGPlan.full, inChannels: 3, scale: { max(1, $0 * base / 64) }, rng: &rng))
    let state = Dictionary(uniqueKeysWithValues: own.map { (String($0.key.dropFirst("features.".count)), $0.value) })
    do { try features.load(stateDict: state, strict: true) } catch {
      throw HomoInterpError.badCheckpoint(file: file, message: "not a VGG19 'features' state: \(error)")
    }
    return features
  }

  /// The `features.*` tensors of a torchvision state dict, without DataParallel's `module.`.
  public static func torchvisionFeatures(_ tensors: [String: Tensor]) -> [String: Tensor] {
    var out: [String: Tensor] = [:]
    for (key, tensor) in tensors {
      let name = key.hasPrefix("module.") ? String(key.dropFirst("module.".count)) : key
      if name.hasPrefix("features.") { out[name] = tensor }
    }
    return out
  }

  public func features(_ images: Tensor) throws -> (perceptual: [Tensor], deep: Tensor) {
    // Symmetric [-1, 1] → torchvision's ImageNet normalisation.
    let mean = Tensor(shape: [1, 3, 1, 1], scalars: [0.485, 0.456, 0.406])
    let std = Tensor(shape: [1, 3, 1, 1], scalars: [0.229, 0.224, 0.225])
    var y = ((images + 1) * 0.5 - mean) / std
    var perceptual: [Tensor] = []
    for (i, layer) in features.layers.enumerated() {
      y = try layer(y)
      if perceptualIndices.contains(i) { perceptual.append(y) }
      if i == deepIndex { return (perceptual, y) }
    }
    return (perceptual, y)
  }
}

/// The attribute classifier Morph trains on the training data when no VGG19 is supplied:
/// conv blocks (16, 32×2, 64×2, 128 channels…) with a 2×2 pool after each of the first
/// `poolings`, an average over a `grid`×`grid` partition of the deepest feature map and one
/// logit per attribute. Its block outputs are the teacher features; its logits judge decoded
/// edits (the pixel attribute loss).
///
/// `grid` 1 is a global average. It cannot tell where on the face a feature is (a moustache
/// from a goatee, bangs from a receding hairline) and plateaus at a BCE of 0.33 on the
/// synthetic faces (the prior is 0.58); a 4×4 grid keeps that position.
public final class HomoInterpAttributeClassifier: HomoInterpTeacher, Module {
  public let blocks: ModuleList
  /// With a grid: a 128-wide hidden layer combining the cells (nil for a global average).
  public let hidden: Linear?
  public let head: Linear
  public var isTraining = true
  public let deepChannels: Int
  /// Cells per side of the average pooling before the head (1: global average).
  public let grid: Int

  public init(imageSize: Int, poolings: Int, attributes: Int, grid: Int = 1, rng: inout RandomGenerator) {
    var list: [any Module] = []
    var c = 3
    for k in 0...poolings {
      let out = min(128, 16 << k)
      var layers: [any Layer] = []
      for j in 0..<(k == 0 || k == poolings ? 1 : 2) {
        layers += [Conv2d(j == 0 ? c : out, out, kernelSize: 3, padding: 1, rng: &rng), ReLU()]
      }
      c = out
      list.append(Sequential(layers))
    }
    blocks = ModuleList(list)
    deepChannels = c
    self.grid = grid
    hidden = grid > 1 ? Linear(c * grid * grid, 128, rng: &rng) : nil
    head = Linear(grid > 1 ? 128 : c, attributes, rng: &rng)
    HeInit.apply(to: blocks, rng: &rng)
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    [("blocks", blocks)] + (hidden.map { [("hidden", $0 as any Module)] } ?? []) + [("head", head)]
  }
  public var description: String { "classifier (trained by Morph on the training data; no VGG19 supplied)" }

  /// Block outputs (before pooling) and the deepest one.
  public func features(_ images: Tensor) throws -> (perceptual: [Tensor], deep: Tensor) {
    var y = images
    var outs: [Tensor] = []
    for (k, block) in blocks.modules.enumerated() {
      if k > 0 { y = y.maxPool2() }
      guard let seq = block as? Sequential else { continue }
      y = try seq(y)
      outs.append(y)
    }
    return (Array(outs.dropLast()), y)
  }

  /// Attribute logits [N, attributes].
  public func logits(_ images: Tensor) throws -> Tensor {
    let deep = try features(images).deep
    let n = deep.shape[0], side = deep.shape[2]
    guard grid > 1 else { return try head(deep.mean(axes: [2, 3])) }
    guard side % grid == 0, deep.shape[3] == side else {
      throw HomoInterpError.badShape(operation: "classifier", expected: "a square feature map divisible by the \(grid)×\(grid) grid", found: deep.shape)
    }
    let cell = side / grid
    let pooled = deep.sumPool(factor: cell) * (1 / Float(cell * cell))
    let cells = pooled.reshape([n, deepChannels * grid * grid])
    guard let hidden else { return try head(cells) }
    return try head(try hidden(cells).relu())
  }

  /// Freezes (or unfreezes) the weights: a teacher takes no gradient steps.
  public func setFrozen(_ frozen: Bool) {
    for p in parameters { p.requiresGrad = !frozen }
  }
}
