import Foundation
import MorphTensor

/// Several translators applied one after the other (e.g. "not young, dark-haired man" →
/// young → blond → woman), keeping every intermediate step.
public struct CycleGANChain {
  /// One link: a translator and the direction it is applied in.
  public struct Step {
    public var model: CycleGANModel
    public var direction: CycleGANDirection
    public init(model: CycleGANModel, direction: CycleGANDirection) {
      self.model = model
      self.direction = direction
    }

    /// "Smiling a2b".
    public var label: String { "\(model.config.split.name) \(direction.rawValue)" }
  }

  public var steps: [Step]

  /// Throws when the translators disagree on image size.
  public init(steps: [Step]) throws {
    guard let size = steps.first?.model.config.imageSize else { throw CycleGANError.badConfig("a chain needs at least one translator") }
    for (k, s) in steps.enumerated() where s.model.config.imageSize != size {
      throw CycleGANError.badConfig("chain step \(k + 1) (\(s.label)) works at \(s.model.config.imageSize) px, step 1 at \(size) px")
    }
    self.steps = steps
  }

  public var imageSize: Int { steps[0].model.config.imageSize }

  /// The input followed by the output of every step: `count + 1` tensors [N, 3, S, S].
  public func apply(_ images: Tensor) throws -> [Tensor] {
    var states = [images]
    for step in steps { states.append(try step.model.translate(states[states.count - 1], step.direction)) }
    return states
  }

  /// The steps that move `source` toward `reference` in `group`: every translator whose split
  /// concerns the group and puts the two faces in different domains, in the order given.
  public static func steps(
    from translators: [CycleGANModel], source: ToyFaceParameters, reference: ToyFaceParameters, group: AttributeGroup
  ) -> [Step] {
    translators.compactMap { model in
      let split = model.config.split
      guard split.concerns(group) else { return nil }
      let a = split.isDomainB(source), b = split.isDomainB(reference)
      guard a != b else { return nil }
      return Step(model: model, direction: b ? .aToB : .bToA)
    }
  }
}
