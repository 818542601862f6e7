import Foundation

/// Hyper-parameters of CycleGAN training (the paper's defaults); stored in checkpoints.
public struct CycleGANTrainingOptions: Codable, Equatable, Sendable {
  /// Total optimisation steps.
  public var steps = 2_000
  /// Images per domain per step (1 in the paper).
  public var batchSize = 1
  public var learningRate: Float = 2e-4
  public var beta1: Float = 0.5
  public var beta2: Float = 0.999
  /// The learning rate decays linearly to zero over the last `decaySteps` steps.
  public var decaySteps = 1_000
  /// Weight of the cycle-consistency L1 loss (λ = 10).
  public var cycleWeight: Float = 10
  /// Weight of the identity L1 loss (λ_idt = 5, i.e. 0.5 · λ); 0 turns it off.
  public var identityWeight: Float = 5
  /// Size of each discriminator's history of generated images (50); 0 turns it off.
  public var poolSize = 50
  /// Seed for data order, jitter and the history buffer.
  public var seed: UInt64 = 1

  public init() {}

  /// Throws unless every value is usable.
  public func validate() throws {
    guard steps > 0, batchSize > 0 else { throw CycleGANError.badConfig("steps and batch size must be positive, got \(steps), \(batchSize)") }
    guard learningRate > 0, learningRate.isFinite else { throw CycleGANError.badConfig("learning rate must be positive, got \(learningRate)") }
    guard (0..<1).contains(beta1), (0..<1).contains(beta2) else { throw CycleGANError.badConfig("Adam betas must be in [0, 1), got \(beta1), \(beta2)") }
    guard decaySteps >= 0, cycleWeight >= 0, identityWeight >= 0, poolSize >= 0 else {
      throw CycleGANError.badConfig("decay steps, loss weights and pool size must not be negative")
    }
  }

  /// The learning rate of step `step` (0-based): constant, then linear decay to 0.
  public func learningRate(at step: Int) -> Float {
    let decayStart = steps - min(decaySteps, steps)
    guard step >= decayStart, decaySteps > 0 else { return learningRate }
    return learningRate * Float(steps - step) / Float(min(decaySteps, steps) + 1)
  }
}

/// The losses of one training step.
public struct CycleGANLosses: Codable, Equatable, Sendable {
  /// LSGAN generator losses: D_B(G_AB(a)) → 1 and D_A(G_BA(b)) → 1.
  public var adversarialAB: Float = 0
  public var adversarialBA: Float = 0
  /// Cycle L1: |G_BA(G_AB(a)) − a| and |G_AB(G_BA(b)) − b| (unweighted).
  public var cycleA: Float = 0
  public var cycleB: Float = 0
  /// Identity L1: |G_BA(a) − a| and |G_AB(b) − b| (unweighted; 0 when off).
  public var identityA: Float = 0
  public var identityB: Float = 0
  /// Weighted total minimised by the generators.
  public var generator: Float = 0
  /// LSGAN discriminator losses, ½(real → 1 + fake → 0).
  public var discriminatorA: Float = 0
  public var discriminatorB: Float = 0

  public init() {}

  /// One log line.
  public var summary: String {
    String(
      format: "G %.4f (adv %.4f/%.4f, cyc %.4f/%.4f, idt %.4f/%.4f) D %.4f/%.4f", generator, adversarialAB, adversarialBA,
      cycleA, cycleB, identityA, identityB, discriminatorA, discriminatorB)
  }
}
