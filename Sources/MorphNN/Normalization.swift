import MorphTensor

/// Batch normalisation over N, H, W per channel (PyTorch's `nn.BatchNorm2d`). In training
/// mode it normalises with batch statistics and updates `running_mean`/`running_var` by
/// `momentum` (unbiased variance); in evaluation mode it uses the running statistics.
public final class BatchNorm2d: Layer {
  public let weight: Tensor
  public let bias: Tensor
  public let runningMean: Tensor
  public let runningVar: Tensor
  public let eps: Float
  public let momentum: Float
  public var isTraining = true

  public init(_ channels: Int, eps: Float = 1e-5, momentum: Float = 0.1) {
    weight = Tensor.ones([channels]).requiringGrad()
    bias = Tensor.zeros([channels]).requiringGrad()
    runningMean = .zeros([channels])
    runningVar = .ones([channels])
    self.eps = eps
    self.momentum = momentum
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [("weight", weight), ("bias", bias)] }
  public var localBuffers: [(name: String, tensor: Tensor)] { [("running_mean", runningMean), ("running_var", runningVar)] }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    let c = weight.count
    guard x.rank == 4, x.shape[1] == c else {
      throw NNError.badInput(layer: "BatchNorm2d(\(c))", expected: "N×\(c)×H×W", found: x.shape)
    }
    guard isTraining else {
      return batchNorm2dInference(x, runningMean: runningMean, runningVariance: runningVar, weight: weight, bias: bias, eps: eps)
    }
    guard x.shape[0] * x.shape[2] * x.shape[3] > 1 else {
      throw NNError.badInput(layer: "BatchNorm2d(\(c))", expected: "more than one value per channel in training", found: x.shape)
    }
    let (y, mean, variance) = batchNorm2dTraining(x, weight: weight, bias: bias, eps: eps)
    withoutGrad {
      runningMean.assign(runningMean * (1 - momentum) + mean * momentum)
      runningVar.assign(runningVar * (1 - momentum) + variance * momentum)
    }
    return y
  }
}

/// Instance normalisation per image and channel (PyTorch's `nn.InstanceNorm2d`, no running
/// statistics), with optional per-channel affine `weight`/`bias`.
public final class InstanceNorm2d: Layer {
  public let weight: Tensor?
  public let bias: Tensor?
  public let channels: Int
  public let eps: Float
  public var isTraining = true

  public init(_ channels: Int, affine: Bool = false, eps: Float = 1e-5) {
    self.channels = channels
    weight = affine ? Tensor.ones([channels]).requiringGrad() : nil
    bias = affine ? Tensor.zeros([channels]).requiringGrad() : nil
    self.eps = eps
  }

  public var localParameters: [(name: String, tensor: Tensor)] {
    guard let weight, let bias else { return [] }
    return [("weight", weight), ("bias", bias)]
  }

  public func callAsFunction(_ x: Tensor) throws -> Tensor {
    guard x.rank == 4, x.shape[1] == channels else {
      throw NNError.badInput(layer: "InstanceNorm2d(\(channels))", expected: "N×\(channels)×H×W", found: x.shape)
    }
    return instanceNorm2d(x, weight: weight, bias: bias, eps: eps)
  }
}
