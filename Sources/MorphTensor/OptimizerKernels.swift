import CMorphKernels

/// Hyper-parameters of one Adam update.
public struct AdamHyperparameters: Sendable {
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var eps: Float
  public var weightDecay: Float

  public init(learningRate: Float, beta1: Float, beta2: Float, eps: Float, weightDecay: Float) {
    self.learningRate = learningRate
    self.beta1 = beta1
    self.beta2 = beta2
    self.eps = eps
    self.weightDecay = weightDecay
  }
}

extension Tensor {
  /// One in-place Adam update of this parameter from `gradient` (PyTorch's torch.optim.Adam
  /// at step `step`, counted from 1), updating the moment buffers `m` and `v`.
  public func adamUpdate(gradient: Tensor, m: inout [Float], v: inout [Float], step: Int, _ h: AdamHyperparameters) {
    precondition(gradient.count == count && m.count == count && v.count == count, "adamUpdate: sizes differ for \(shape)")
    let bias1 = 1 - Float(Double(h.beta1).raised(to: step)), bias2 = 1 - Float(Double(h.beta2).raised(to: step))
    withMutableScalars { pp in
      gradient.scalars.withUnsafeBufferPointer { gp in
        m.withUnsafeMutableBufferPointer { mp in
          v.withUnsafeMutableBufferPointer { vp in
            guard let p = pp.baseAddress, let g = gp.baseAddress, let m = mp.baseAddress, let v = vp.baseAddress else { return }
            // About ten operations per element (two moments, a square root, a division).
            Parallel.forRanges(pp.count, work: 10 * pp.count) { r in
              let i = r.lowerBound
              morph_adam_step(
                p + i, g + i, m + i, v + i, r.count, h.learningRate, h.beta1, h.beta2, h.eps, h.weightDecay, bias1, bias2)
            }
          }
        }
      }
    }
  }
}

extension Double {
  /// `self` to a non-negative integer power by repeated squaring.
  fileprivate func raised(to n: Int) -> Double {
    var result = 1.0, base = self, e = n
    while e > 0 {
      if e & 1 == 1 { result *= base }
      base *= base
      e >>= 1
    }
    return result
  }
}
