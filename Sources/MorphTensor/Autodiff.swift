/// Reverse-mode automatic differentiation over the tape recorded by ops in grad mode.

extension Tensor {
  /// Tensors reachable from `self` through recorded nodes, inputs before users, limited to
  /// those from which one of `targets` can be reached (other branches are not visited twice).
  fileprivate func topologicalOrder(relevant isTarget: (Tensor) -> Bool) -> [Tensor] {
    var order: [Tensor] = []
    var state: [ObjectIdentifier: Bool] = [:]  // id → reaches a target
    // Iterative post-order DFS: deep nets would overflow a recursive one.
    var stack: [(Tensor, Int)] = [(self, 0)]
    while let (t, next) = stack.popLast() {
      let id = ObjectIdentifier(t)
      let inputs = t.node?.inputs ?? []
      if next < inputs.count {
        stack.append((t, next + 1))
        let child = inputs[next]
        if child.requiresGrad && state[ObjectIdentifier(child)] == nil { stack.append((child, 0)) }
        continue
      }
      if state[id] != nil { continue }
      // A tensor whose op an earlier backward() released is kept, so the caller can refuse it.
      let reaches = isTarget(t) || t.graphReleased || inputs.contains { state[ObjectIdentifier($0)] == true }
      state[id] = reaches
      if reaches { order.append(t) }
    }
    return order
  }

  /// Propagates `seed` (the gradient of `self`) back through the tape and returns the
  /// accumulated gradient of every relevant tensor, keyed by identity.
  ///
  /// With `releaseGraph`, each op is dropped from the tape as soon as its backward rule has
  /// run, as PyTorch frees saved tensors during `backward()`: an intermediate that nothing
  /// else holds is freed while the pass goes on, so the peak is not every activation plus
  /// every gradient.
  fileprivate func propagate(seed: Tensor, createGraph: Bool, releaseGraph: Bool = false, isTarget: (Tensor) -> Bool)
    throws -> [ObjectIdentifier: Tensor]
  {
    var order: [Tensor?] = topologicalOrder(relevant: isTarget)
    if let released = order.first(where: { $0?.graphReleased == true }), let released {
      throw TensorError.notDifferentiable(
        "a tensor of shape \(released.shape) on this path was already freed by an earlier backward(); "
          + "compute the loss again (or use gradients(wrt:) for repeated passes)")
    }
    var grads: [ObjectIdentifier: Tensor] = [ObjectIdentifier(self): seed]
    withGradMode(createGraph) {
      for index in order.indices.reversed() {
        guard let t = order[index] else { continue }
        order[index] = nil
        guard let node = t.node, let g = grads[ObjectIdentifier(t)] else { continue }
        let inputGrads = node.op.backward(inputs: node.inputs, output: t, gradient: g)
        for (input, ig) in zip(node.inputs, inputGrads) {
          guard let ig, input.requiresGrad else { continue }
          let id = ObjectIdentifier(input)
          if let acc = grads[id] { grads[id] = acc + ig } else { grads[id] = ig }
        }
        // Free this node's gradient unless a caller asked for it.
        if !isTarget(t) { grads[ObjectIdentifier(t)] = nil }
        if releaseGraph {
          t.node = nil
          t.graphReleased = true
        }
      }
    }
    return grads
  }

  /// Gradients of this tensor (usually a scalar) with respect to each of `inputs`, like
  /// `torch.autograd.grad`. With `createGraph: true` the backward pass is recorded, so the
  /// returned gradients can be differentiated again (e.g. a WGAN-GP gradient penalty).
  ///
  /// `seed` is the gradient of `self` (ones for a scalar when omitted). Inputs that do not
  /// influence `self` get zeros.
  public func gradients(wrt inputs: [Tensor], seed: Tensor? = nil, createGraph: Bool = false) throws -> [Tensor] {
    guard requiresGrad else {
      throw TensorError.notDifferentiable("the output does not depend on any tensor that requires a gradient")
    }
    for x in inputs where !x.requiresGrad {
      throw TensorError.notDifferentiable("an input of shape \(x.shape) does not require a gradient")
    }
    if let seed, seed.shape != shape {
      throw TensorError.shapeMismatch(operation: "gradients(seed:)", lhs: shape, rhs: seed.shape)
    }
    let ids = Set(inputs.map { ObjectIdentifier($0) })
    let grads = try propagate(seed: seed ?? .ones(shape), createGraph: createGraph) { ids.contains(ObjectIdentifier($0)) }
    return inputs.map { grads[ObjectIdentifier($0)] ?? .zeros($0.shape) }
  }

  /// Accumulates d(self)/d(leaf) into `grad` of every leaf that requires a gradient
  /// (PyTorch's `loss.backward()`). `self` must be a scalar.
  ///
  /// As in PyTorch, the pass frees the graph behind it: calling `backward()` again on this
  /// loss, or on another loss that shares an intermediate with it, throws (build the loss
  /// again). `gradients(wrt:)` keeps the graph.
  public func backward() throws {
    guard count == 1 else {
      throw TensorError.notDifferentiable("backward() needs a scalar, shape is \(shape)")
    }
    guard requiresGrad else {
      throw TensorError.notDifferentiable("the loss does not depend on any tensor that requires a gradient")
    }
    var leaves: [ObjectIdentifier: Tensor] = [:]
    let grads = try propagate(seed: .ones(shape), createGraph: false, releaseGraph: true) { t in
      guard t.node == nil else { return false }
      leaves[ObjectIdentifier(t)] = t
      return true
    }
    for (id, leaf) in leaves {
      guard let g = grads[id] else { continue }
      leaf.grad = leaf.grad.map { Tensor(shape: $0.shape, scalars: ($0 + g).scalars) } ?? g.detached()
    }
  }
}

/// Gradients of `output` with respect to `inputs` (see `Tensor.gradients`).
public func grad(of output: Tensor, wrt inputs: [Tensor], createGraph: Bool = false) throws -> [Tensor] {
  try output.gradients(wrt: inputs, createGraph: createGraph)
}
