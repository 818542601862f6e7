import Foundation

/// What the oracle reads from one image.
public struct OracleReading: Sendable {
  /// Predicted parameter per modelled attribute, in `ToyFaceAttribute` order (label: ≥ 0.5).
  public var scores: [Double]
  /// A feature vector for perceptual distances (path smoothness).
  public var features: [Double]

  public init(scores: [Double], features: [Double]) {
    self.scores = scores
    self.features = features
  }

  /// The binary label the oracle reads for `attribute`, by the rule of `ToyFaceParameters.label`.
  public func label(_ attribute: ToyFaceAttribute) -> Int { scores[attribute.index] >= 0.5 ? 1 : -1 }
}

/// An attribute reader held apart from any model under test: the harness's judge of transfer,
/// preservation, linearity and path smoothness. `predict` must be safe to call concurrently.
public struct AttributeOracle: Sendable {
  public var name: String
  public var predict: @Sendable ([EvalImage]) throws -> [OracleReading]

  public init(name: String, predict: @escaping @Sendable ([EvalImage]) throws -> [OracleReading]) {
    self.name = name
    self.predict = predict
  }
}
