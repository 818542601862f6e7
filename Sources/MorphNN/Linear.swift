import MorphTensor

/// Fully connected layer (PyTorch's `nn.Linear`): `weight` out×in, `bias` out.
public final class Linear: Layer {
  public let weight: Tensor
  public let bias: Tensor?
  public var isTraining = true

  public init(_ inFeatures: Int, _ outFeatures: Int, bias: Bool = true, rng: inout RandomGenerator) {
    weight = Initializer.pytorchDefault([outFeatures, inFeatures], fanIn: inFeatures, rng: &rng).requiringGrad()
    self.bias = bias ? Initializer.pytorchDefault([outFeatures], fanIn: inFeatures, rng: &rng).requiringGrad() : nil
  }

  public var localParameters: [(name: String, tensor: Tensor)] {
    [("weight", weight)] + (bias.map { [("bias", $0)] } ?? [])
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 2, x.shape[1] == weight.shape[1] else {
      throw NNError.badInput(layer: "Linear(\(weight.shape[1])→\(weight.shape[0]))", expected: "N×\(weight.shape[1])", found: x.shape)
    }
    return linear(x, weight, bias)
  }
}
