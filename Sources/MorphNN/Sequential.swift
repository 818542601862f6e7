import MorphTensor

/// Layers applied in order; children are named "0", "1", … as in PyTorch's `nn.Sequential`,
/// so parameter names match PyTorch checkpoints (`3.weight`).
///
/// When nothing is recorded (inference under `withoutGrad`), a convolution followed by an
/// evaluation-mode `BatchNorm2d` and/or a `ReLU` runs as one fused convolution (statistics
/// folded into its weights, bias and ReLU in its epilogue): same values, one pass.
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
    var i = 0
    while i < layers.count {
      // Nearest ×2 upsampling into a 3×3 convolution runs on the small image
      // (`upsampleConv3x3`); at inference with the convolution's batch norm and ReLU fused
      // as below.
      var upsampled = false
      if let up = layers[i] as? Upsample, up.mode == .nearest, i + 1 < layers.count,
        let conv = layers[i + 1] as? Conv2d, conv.absorbsUpsampling
      {
        if GradMode.isEnabled {
          y = try conv.upsampledForward(y)
          i += 2
          continue
        }
        upsampled = true
        i += 1
      }
      if let conv = layers[i] as? Conv2d, !GradMode.isEnabled {
        var next = i + 1
        var norm: BatchNorm2d?
        if next < layers.count, let bn = layers[next] as? BatchNorm2d, !bn.isTraining, bn.weight.count == conv.outChannels {
          norm = bn
          next += 1
        }
        let relu = next < layers.count && layers[next] is ReLU
        if relu { next += 1 }
        y = try conv.fusedInference(y, batchNorm: norm, relu: relu, upsampled: upsampled)
        i = next
        continue
      }
      y = try layers[i](y)
      i += 1
    }
    return y
  }
}
