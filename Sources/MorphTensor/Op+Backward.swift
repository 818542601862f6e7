/// Vector–Jacobian products of every `Op`: given the inputs, the output and the gradient
/// `g` of the output, the gradient of each input (nil when that input needs none).
///
/// Written with public Tensor ops only, so the computation is recorded when the caller runs
/// it in grad mode (`createGraph: true`) and can itself be differentiated.
extension Op {
  func backward(inputs x: [Tensor], output y: Tensor, gradient g: Tensor) -> [Tensor?] {
    let needs = x.map(\.requiresGrad)
    func only(_ i: Int, _ f: @autoclosure () -> Tensor) -> Tensor? { needs[i] ? f() : nil }
    switch self {
    case .add:
      return [only(0, g.sumTo(x[0].shape)), only(1, g.sumTo(x[1].shape))]
    case .sub:
      return [only(0, g.sumTo(x[0].shape)), only(1, (-g).sumTo(x[1].shape))]
    case .mul:
      // d(ab) = b·da + a·db
      return [only(0, (g * x[1]).sumTo(x[0].shape)), only(1, (g * x[0]).sumTo(x[1].shape))]
    case .div:
      // d(a/b) = da/b − a·db/b²
      return [only(0, (g / x[1]).sumTo(x[0].shape)), only(1, (-(g * x[0]) / x[1].square()).sumTo(x[1].shape))]
    case .neg: return [-g]
    case .exp: return [g * y]
    case .log: return [g / x[0]]
    case .sqrt: return [g / (y * 2)]  // d√x = 1/(2√x)
    case .abs: return [g * x[0].sign()]
    // Unrecorded passes take one fused pass; recorded ones multiply by the constant mask.
    case .relu: return [GradMode.isEnabled ? g * x[0].positiveMask() : g.reluBackward(input: x[0], slope: 0)]
    case .leakyRelu(let slope):
      return [GradMode.isEnabled ? g * x[0].leakySlopeMask(slope) : g.reluBackward(input: x[0], slope: slope)]
    case .tanh: return [g * (1 - y.square())]  // tanh' = 1 − tanh²
    case .sigmoid: return [g * (y * (1 - y))]  // σ' = σ(1 − σ)
    case .scale(let s): return [g * s]
    case .addScalar: return [g]
    case .broadcast: return [g.sumTo(x[0].shape)]
    case .sum(let axes, let keepDims):
      var kept = x[0].shape
      for a in axes { kept[a] = 1 }
      return [(keepDims ? g : g.reshape(kept)).broadcast(to: x[0].shape)]
    case .reshape: return [g.reshape(x[0].shape)]
    case .permute(let order):
      var inverse = order
      for (i, o) in order.enumerated() { inverse[o] = i }
      return [g.permute(inverse)]
    case .concat(let axis):
      var start = 0
      return x.enumerated().map { i, t in
        defer { start += t.shape[axis] }
        return needs[i] ? g.narrow(axis: axis, start: start, length: t.shape[axis]) : nil
      }
    case .narrow(let axis, let start, _): return [g.pad(axis: axis, start: start, total: x[0].shape[axis])]
    case .pad(let axis, let start, _): return [g.narrow(axis: axis, start: start, length: x[0].shape[axis])]
    case .indexSelect(let indices): return [g.indexAdd(indices, count: x[0].shape[0])]
    case .indexAdd(let indices, _): return [g.indexSelect(indices)]
    case .gather(let indices): return [g.scatterAdd(indices, shape: x[0].shape)]
    case .scatterAdd(let indices, _): return [g.gather(indices, shape: x[0].shape)]
    case .matmul(let ta, let tb):
      // C = op(A)·op(B): d op(A) = G·op(B)ᵀ, d op(B) = op(A)ᵀ·G, transposed back where op is ᵀ.
      let a = x[0], b = x[1]
      return [
        only(0, ta ? Tensor.matmul(b, g, transposeA: tb, transposeB: true) : Tensor.matmul(g, b, transposeB: !tb)),
        only(1, tb ? Tensor.matmul(g, a, transposeA: true, transposeB: ta) : Tensor.matmul(a, g, transposeA: !ta)),
      ]
    case .conv2d(let geo):
      // y = conv(x, w): dx = convᵀ(g, w), dw = convW(x, g).
      return [only(0, Tensor.convTranspose2dRaw(g, x[1], geo)), only(1, Tensor.conv2dWeightRaw(x[0], g, geo))]
    case .conv2dBias(let geo):
      return [
        only(0, Tensor.convTranspose2dRaw(g, x[1], geo)), only(1, Tensor.conv2dWeightRaw(x[0], g, geo)),
        only(2, g.sum(axes: [0, 2, 3])),
      ]
    case .convTranspose2d(let geo):
      // y = convᵀ(a, w) is the adjoint of conv in its input: da = conv(g, w), dw = convW(g, a).
      return [only(0, Tensor.conv2dRaw(g, x[1], geo)), only(1, Tensor.conv2dWeightRaw(g, x[0], geo))]
    case .conv2dWeight(let geo):
      // y = convW(x, h) with ⟨G, convW(x, h)⟩ = ⟨h, conv(x, G)⟩ = ⟨convᵀ(h, G), x⟩:
      // dx = convᵀ(h, G), dh = conv(x, G).
      return [only(0, Tensor.convTranspose2dRaw(x[1], g, geo)), only(1, Tensor.conv2dRaw(x[0], g, geo))]
    case .channelNorm(let perImage, let eps, let mean, let variance):
      // Recorded (createGraph) backward passes need a differentiable rule; plain ones take
      // the fused kernel.
      if GradMode.isEnabled {
        let (dx, dw, db) = Tensor.channelNormBackwardComposite(x[0], x[1], g, perImage: perImage, eps: eps)
        return [only(0, dx), only(1, dw), only(2, db)]
      }
      let (dx, dw, db) = Tensor.channelNormBackwardFused(
        x[0], x[1], g, perImage: perImage, eps: eps, mean: mean, variance: variance, needInput: needs[0])
      return [needs[0] ? dx : nil, only(1, dw), only(2, db)]
    case .upsampleNearest(let f): return [g.sumPool(factor: f)]
    case .sumPool(let f): return [g.upsampleNearest(factor: f)]
    case .bilinearUp2: return [g.upsampleBilinear2Adjoint()]
    case .bilinearUp2Adjoint: return [g.upsampleBilinear2()]
    case .subpixelInterleave(let cout): return [g.subpixelDeinterleave(cout: cout)]
    case .subpixelDeinterleave(let cout): return [g.subpixelInterleave(cout: cout)]
    }
  }
}
