// Softmax as a composition: exp(x − m) / Σ exp(x − m) along one axis, with m the maximum along
// that axis taken as a constant. Softmax does not depend on m, so stopping its gradient changes
// no derivative; it only keeps exp from overflowing.

extension Tensor {
  /// Softmax along `axis` (PyTorch's `softmax(x, dim=axis)`).
  public func softmax(axis: Int) -> Tensor {
    let a = ShapeMath.axis(axis, rank: rank)
    let n = shape[a], inner = shape.dropFirst(a + 1).reduce(1, *), outer = shape.prefix(a).reduce(1, *)
    precondition(n >= 1, "softmax: axis \(a) of \(shape) is empty")
    var maxShape = shape
    maxShape[a] = 1
    var maxima = [Float](repeating: -.infinity, count: outer * inner)
    scalars.withUnsafeBufferPointer { src in
      for o in 0..<outer {
        for j in 0..<n {
          let row = o * n * inner + j * inner
          for i in 0..<inner where src[row + i] > maxima[o * inner + i] { maxima[o * inner + i] = src[row + i] }
        }
      }
    }
    let shifted = (self - Tensor(shape: maxShape, scalars: maxima)).exp()
    return shifted / shifted.sum(axes: [a], keepDims: true)
  }
}

/// Functional spelling of `Tensor.softmax(axis:)`.
public func softmax(_ x: Tensor, axis: Int) -> Tensor { x.softmax(axis: axis) }
