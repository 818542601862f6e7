import Foundation
import MorphNN
import MorphTensor

/// Which way a translator maps.
public enum CycleGANDirection: String, Codable, Sendable {
  /// Domain A → domain B (`G_AB`), e.g. neutral → smiling.
  case aToB = "a2b"
  /// Domain B → domain A (`G_BA`).
  case bToA = "b2a"
}

/// A CycleGAN translator pair: generators `G_AB`, `G_BA` and PatchGAN discriminators `D_A`
/// (real A vs G_BA output) and `D_B` (real B vs G_AB output).
public final class CycleGANModel: Module {
  public let config: CycleGANConfig
  public let generatorAB: any Layer
  public let generatorBA: any Layer
  public let discriminatorA: Sequential
  public let discriminatorB: Sequential
  public var isTraining = true

  /// A freshly initialised model (weights N(0, 0.02), as the paper). Throws on a bad config.
  public init(config: CycleGANConfig, seed: UInt64) throws {
    try config.validate()
    self.config = config
    var rng = RandomGenerator(seed: seed)
    generatorAB = makeCycleGANGenerator(config, rng: &rng)
    generatorBA = makeCycleGANGenerator(config, rng: &rng)
    discriminatorA = patchDiscriminator(config, rng: &rng)
    discriminatorB = patchDiscriminator(config, rng: &rng)
    for m in [generatorAB, generatorBA, discriminatorA, discriminatorB] as [any Module] { cycleGANInit(m, rng: &rng) }
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    [("G_AB", generatorAB), ("G_BA", generatorBA), ("D_A", discriminatorA), ("D_B", discriminatorB)]
  }

  /// Both generators' parameters (what the generator optimiser updates).
  public var generatorParameters: [(name: String, tensor: Tensor)] {
    generatorAB.namedParameters(prefix: "G_AB.") + generatorBA.namedParameters(prefix: "G_BA.")
  }

  /// Both discriminators' parameters.
  public var discriminatorParameters: [(name: String, tensor: Tensor)] {
    discriminatorA.namedParameters(prefix: "D_A.") + discriminatorB.namedParameters(prefix: "D_B.")
  }

  /// The generator of a direction.
  public func generator(_ direction: CycleGANDirection) -> any Layer {
    direction == .aToB ? generatorAB : generatorBA
  }

  /// Throws unless `x` is N×3×S×S with S = config.imageSize.
  public func checkImages(_ x: Tensor, _ what: String = "images") throws {
    let s = config.imageSize
    guard x.rank == 4, x.shape[0] >= 1, x.shape[1] == 3, x.shape[2] == s, x.shape[3] == s else {
      throw CycleGANError.badInput("\(what): expected shape [N, 3, \(s), \(s)], got \(x.shape)")
    }
  }

  /// Translates images [N, 3, S, S] in [−1, 1] (ImageBatchBuffer `.symmetric`); inference
  /// mode, no tape. Returns the same shape in [−1, 1].
  public func translate(_ images: Tensor, _ direction: CycleGANDirection) throws -> Tensor {
    try checkImages(images)
    let g = generator(direction)
    return try withoutGrad { () throws -> Tensor in try g.callAsFunction(images) }
  }
}
