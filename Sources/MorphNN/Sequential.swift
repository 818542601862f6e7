import MorphTensor

/// Layers applied in order; children are named "0", "1", … as in PyTorch's `nn.Sequential`,
/// so parameter names match PyTorch checkpoints (`3.weight`).
public final class Sequential: Layer {
  public private(set) var layers: [any Layer]
  public var isTraining = true

  public init(_ layers: [any Layer]) { self.layers = layers }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    layers.enumerated().map { (String($0.offset), $0.element as any Module) }
  }

  /// Appends a layer (named by its index).
  public func append(_ layer: any Layer) { layers.append(layer) }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    var y = x
    for layer in layers { y = try layer(y) }
    return y
  }
}
