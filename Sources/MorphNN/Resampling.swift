import MorphTensor

/// ×2 upsampling (PyTorch's `nn.Upsample(scale_factor=2)`), nearest or bilinear
/// (`align_corners=False`).
public final class Upsample: Layer {
  public enum Mode: String, Sendable { case nearest, bilinear }
  public let mode: Mode
  public var isTraining = true
  public init(mode: Mode = .nearest) { self.mode = mode }
  public var localParameters: [(name: String, tensor: Tensor)] { [] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 4 else { throw NNError.badInput(layer: "Upsample", expected: "N×C×H×W", found: x.shape) }
    switch mode {
    case .nearest: return x.upsampleNearest(factor: 2)
    case .bilinear: return x.upsampleBilinear2()
    }
  }
}

/// 2×2 max pooling with stride 2.
public final class MaxPool2d: Layer {
  public var isTraining = true
  public init() {}
  public var localParameters: [(name: String, tensor: Tensor)] { [] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 4, x.shape[2] >= 2, x.shape[3] >= 2 else {
      throw NNError.badInput(layer: "MaxPool2d(2)", expected: "N×C×H×W with H, W ≥ 2", found: x.shape)
    }
    return x.maxPool2()
  }
}
