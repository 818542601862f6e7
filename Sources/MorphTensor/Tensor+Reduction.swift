import CMorphKernels

extension Tensor {
  /// Sum over `axes` (all axes when empty); `keepDims` leaves them as size 1.
  public func sum(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
    let ax = axes.isEmpty ? Array(0..<rank) : Set(axes.map { ShapeMath.axis($0, rank: rank) }).sorted()
    let kept = shape.enumerated().map { ax.contains($0.offset) ? 1 : $0.element }
    let outShape = keepDims ? kept : shape.enumerated().filter { !ax.contains($0.offset) }.map(\.element)
    let keptStrides = ShapeMath.strides(kept)
    let ostride = (0..<rank).map { ax.contains($0) ? Int64(0) : Int64(keptStrides[$0]) }
    let outCount = kept.reduce(1, *)
    let dims = shape.map { Int64($0) }
    let data = makeScalars(outCount) { out in
      scalars.withUnsafeBufferPointer { px in
        if count == 0 {
          for i in 0..<outCount { out[i] = 0 }
        } else {
          morph_reduce_sum(px.baseAddress, dims, Int32(rank), ostride, out, outCount)
        }
      }
    }
    return Tensor.record(.sum(axes: ax, keepDims: keepDims), [self], shape: outShape, scalars: data)
  }

  /// Mean over `axes` (all axes when empty).
  public func mean(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
    let ax = axes.isEmpty ? Array(0..<rank) : axes.map { ShapeMath.axis($0, rank: rank) }
    let n = Set(ax).reduce(1) { $0 * shape[$1] }
    return sum(axes: ax, keepDims: keepDims) * (1 / Float(Swift.max(n, 1)))
  }

  /// Euclidean norm over `axes` (all axes when empty).
  public func norm(axes: [Int] = [], keepDims: Bool = false) -> Tensor {
    square().sum(axes: axes, keepDims: keepDims).sqrt()
  }

  /// Sums a broadcast result back down to `target` (the adjoint of broadcasting).
  public func sumTo(_ target: [Int]) -> Tensor {
    if shape == target { return self }
    let offset = rank - target.count
    precondition(offset >= 0, "sumTo: cannot reduce \(shape) to \(target)")
    var axes = Array(0..<offset)
    for i in 0..<target.count where target[i] == 1 && shape[i + offset] != 1 { axes.append(i + offset) }
    return sum(axes: axes, keepDims: true).reshape(target)
  }

  /// Largest element (not differentiated).
  public func max() -> Float { scalars.max() ?? -.infinity }
  /// Smallest element (not differentiated).
  public func min() -> Float { scalars.min() ?? .infinity }
}
