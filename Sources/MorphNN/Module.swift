import MorphTensor

/// A node of a model tree: owns parameters and buffers and names its children, so every
/// tensor gets a PyTorch-style dotted name (`model.3.weight`, `bn.running_mean`).
public protocol Module: AnyObject {
  /// Trainable tensors owned directly by this module, by local name.
  var localParameters: [(name: String, tensor: Tensor)] { get }
  /// Non-trainable state owned directly by this module (e.g. batch-norm running statistics).
  var localBuffers: [(name: String, tensor: Tensor)] { get }
  /// Sub-modules by local name.
  var children: [(name: String, module: any Module)] { get }
  /// Training (batch statistics) or evaluation (running statistics) behaviour.
  var isTraining: Bool { get set }
}

/// A module that maps one tensor to another.
public protocol Layer: Module {
  func callAsFunction(_ x: Tensor) throws -> Tensor
}

extension Module {
  public var localBuffers: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] { [] }

  /// All parameters of the tree with dotted names, in definition order.
  public func namedParameters(prefix: String = "") -> [(name: String, tensor: Tensor)] {
    localParameters.map { (prefix + $0.name, $0.tensor) }
      + children.flatMap { $0.module.namedParameters(prefix: prefix + $0.name + ".") }
  }

  /// All buffers of the tree with dotted names.
  public func namedBuffers(prefix: String = "") -> [(name: String, tensor: Tensor)] {
    localBuffers.map { (prefix + $0.name, $0.tensor) }
      + children.flatMap { $0.module.namedBuffers(prefix: prefix + $0.name + ".") }
  }

  /// The parameters alone (for optimisers).
  public var parameters: [Tensor] { namedParameters().map(\.tensor) }

  /// Total number of trainable scalars.
  public var parameterCount: Int { parameters.reduce(0) { $0 + $1.count } }

  /// Parameters and buffers by dotted name: what a checkpoint holds.
  public func stateDict() -> [String: Tensor] {
    var d: [String: Tensor] = [:]
    for (n, t) in namedParameters() + namedBuffers() { d[n] = t }
    return d
  }

  /// Copies tensors from `state` into this tree. Every parameter and buffer must be present
  /// with its shape; with `strict`, extra keys (other than PyTorch's `num_batches_tracked`)
  /// are errors too.
  public func load(stateDict state: [String: Tensor], strict: Bool = true) throws {
    let own = namedParameters() + namedBuffers()
    for (name, tensor) in own {
      guard let src = state[name] else { throw NNError.missingKey(name) }
      guard src.shape == tensor.shape else {
        throw NNError.shapeMismatch(key: name, expected: tensor.shape, found: src.shape)
      }
    }
    if strict {
      let names = Set(own.map(\.name))
      for key in state.keys.sorted() where !names.contains(key) && !key.hasSuffix("num_batches_tracked") {
        throw NNError.unexpectedKey(key)
      }
    }
    for (name, tensor) in own { if let src = state[name] { tensor.assign(src) } }
  }

  /// Switches the whole tree to training (`true`) or evaluation mode.
  public func train(_ on: Bool = true) {
    isTraining = on
    for c in children { c.module.train(on) }
  }

  /// Switches the whole tree to evaluation mode.
  public func eval() { train(false) }

  /// Clears accumulated gradients of every parameter.
  public func zeroGrad() { for p in parameters { p.grad = nil } }
}
