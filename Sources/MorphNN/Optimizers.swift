import MorphTensor

/// Adam (PyTorch's `torch.optim.Adam`, L2 `weightDecay` added to the gradient).
///
/// Parameters are held by name so the moment estimates can be saved and restored with a
/// checkpoint (`state()` / `load(state:)`).
public final class Adam {
  public let parameters: [(name: String, tensor: Tensor)]
  public var learningRate: Float
  public var beta1: Float
  public var beta2: Float
  public var eps: Float
  public var weightDecay: Float
  /// Steps taken so far (for bias correction).
  public private(set) var stepCount = 0
  private var m: [[Float]]
  private var v: [[Float]]

  public init(
    _ parameters: [(name: String, tensor: Tensor)], learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999),
    eps: Float = 1e-8, weightDecay: Float = 0
  ) {
    self.parameters = parameters
    self.learningRate = learningRate
    (beta1, beta2) = betas
    self.eps = eps
    self.weightDecay = weightDecay
    m = parameters.map { [Float](repeating: 0, count: $0.tensor.count) }
    v = m
  }

  /// Optimises all parameters of `module`.
  public convenience init(
    _ module: any Module, learningRate: Float = 1e-3, betas: (Float, Float) = (0.9, 0.999), eps: Float = 1e-8,
    weightDecay: Float = 0
  ) {
    self.init(module.namedParameters(), learningRate: learningRate, betas: betas, eps: eps, weightDecay: weightDecay)
  }

  /// Applies one update from each parameter's accumulated `grad` (parameters without a
  /// gradient are skipped, as PyTorch does).
  public func step() {
    stepCount += 1
    let h = AdamHyperparameters(learningRate: learningRate, beta1: beta1, beta2: beta2, eps: eps, weightDecay: weightDecay)
    for (i, p) in parameters.enumerated() {
      guard let g = p.tensor.grad else { continue }
      p.tensor.adamUpdate(gradient: g, m: &m[i], v: &v[i], step: stepCount, h)
    }
  }

  /// Forgets the moment estimates and the step count, as a new optimiser over the same
  /// parameters would start (for parameters that start afresh mid-run).
  public func reset() {
    stepCount = 0
    for i in m.indices {
      for j in m[i].indices { m[i][j] = 0 }
      for j in v[i].indices { v[i][j] = 0 }
    }
  }

  /// Clears the gradients of the optimised parameters.
  public func zeroGrad() { for p in parameters { p.tensor.grad = nil } }

  /// Moment estimates and step count as tensors (`<name>.exp_avg`, `<name>.exp_avg_sq`, `step`).
  public func state() -> [String: Tensor] {
    var d: [String: Tensor] = ["step": Tensor(Float(stepCount))]
    for (i, p) in parameters.enumerated() {
      d[p.name + ".exp_avg"] = Tensor(shape: p.tensor.shape, scalars: m[i])
      d[p.name + ".exp_avg_sq"] = Tensor(shape: p.tensor.shape, scalars: v[i])
    }
    return d
  }

  /// Restores what `state()` saved; every key must be present with the parameter's shape.
  public func load(state: [String: Tensor]) throws {
    guard let step = state["step"], step.count == 1 else { throw NNError.missingKey("step") }
    var newM: [[Float]] = [], newV: [[Float]] = []
    for p in parameters {
      for (suffix, dest) in [(".exp_avg", 0), (".exp_avg_sq", 1)] {
        let key = p.name + suffix
        guard let t = state[key] else { throw NNError.missingKey(key) }
        guard t.shape == p.tensor.shape else { throw NNError.shapeMismatch(key: key, expected: p.tensor.shape, found: t.shape) }
        if dest == 0 { newM.append(t.scalars) } else { newV.append(t.scalars) }
      }
    }
    m = newM
    v = newV
    stepCount = Int(step.item)
  }
}

/// Stochastic gradient descent with optional momentum and L2 weight decay (PyTorch's SGD).
public final class SGD {
  public let parameters: [(name: String, tensor: Tensor)]
  public var learningRate: Float
  public var momentum: Float
  public var weightDecay: Float
  private var velocity: [[Float]?]

  public init(_ parameters: [(name: String, tensor: Tensor)], learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
    self.parameters = parameters
    self.learningRate = learningRate
    self.momentum = momentum
    self.weightDecay = weightDecay
    velocity = Array(repeating: nil, count: parameters.count)
  }

  public convenience init(_ module: any Module, learningRate: Float, momentum: Float = 0, weightDecay: Float = 0) {
    self.init(module.namedParameters(), learningRate: learningRate, momentum: momentum, weightDecay: weightDecay)
  }

  /// p −= lr·d with d = g + wd·p, or the momentum buffer b = μ·b + d (first step b = d).
  public func step() {
    for (i, p) in parameters.enumerated() {
      guard let g = p.tensor.grad else { continue }
      let lr = learningRate, wd = weightDecay, mu = momentum
      let first = velocity[i] == nil
      var buf = velocity[i] ?? (mu != 0 ? [Float](repeating: 0, count: p.tensor.count) : [])
      p.tensor.withMutableScalars { pp in
        g.scalars.withUnsafeBufferPointer { gp in
          for j in 0..<pp.count {
            var d = gp[j] + wd * pp[j]
            if mu != 0 {
              buf[j] = first ? d : mu * buf[j] + d
              d = buf[j]
            }
            pp[j] -= lr * d
          }
        }
      }
      if mu != 0 { velocity[i] = buf }
    }
  }

  public func zeroGrad() { for p in parameters { p.tensor.grad = nil } }

  /// Momentum buffers (`<name>.momentum_buffer`) for checkpoints.
  public func state() -> [String: Tensor] {
    var d: [String: Tensor] = [:]
    for (i, p) in parameters.enumerated() {
      if let b = velocity[i] { d[p.name + ".momentum_buffer"] = Tensor(shape: p.tensor.shape, scalars: b) }
    }
    return d
  }

  /// Restores momentum buffers saved by `state()` (absent ones start fresh).
  public func load(state: [String: Tensor]) throws {
    for (i, p) in parameters.enumerated() {
      let key = p.name + ".momentum_buffer"
      guard let t = state[key] else {
        velocity[i] = nil
        continue
      }
      guard t.shape == p.tensor.shape else { throw NNError.shapeMismatch(key: key, expected: p.tensor.shape, found: t.shape) }
      velocity[i] = t.scalars
    }
  }
}
