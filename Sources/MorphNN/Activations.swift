import MorphTensor

/// Rectified linear unit.
public final class ReLU: Layer {
  public var isTraining = true
  public init() {}
  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public func callAsFunction(_ x: Tensor) throws -> Tensor { x.relu() }
}

/// Leaky ReLU with a fixed negative slope.
public final class LeakyReLU: Layer {
  public let slope: Float
  public var isTraining = true
  public init(_ slope: Float = 0.01) { self.slope = slope }
  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public func callAsFunction(_ x: Tensor) throws -> Tensor { x.leakyRelu(slope) }
}

/// Hyperbolic tangent.
public final class Tanh: Layer {
  public var isTraining = true
  public init() {}
  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public func callAsFunction(_ x: Tensor) throws -> Tensor { x.tanh() }
}

/// Logistic sigmoid.
public final class Sigmoid: Layer {
  public var isTraining = true
  public init() {}
  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public func callAsFunction(_ x: Tensor) throws -> Tensor { x.sigmoid() }
}
