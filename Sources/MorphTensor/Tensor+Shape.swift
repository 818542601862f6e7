import CMorphKernels
import Foundation

extension Tensor {
  /// The same elements with a new shape; one axis may be −1 (inferred). Shares storage.
  public func reshape(_ newShape: [Int]) -> Tensor {
    var s = newShape
    if let i = s.firstIndex(of: -1) {
      let rest = s.enumerated().filter { $0.offset != i }.reduce(1) { $0 * $1.element }
      precondition(rest > 0 && count % rest == 0, "reshape: \(shape) to \(newShape)")
      s[i] = count / rest
    }
    precondition(s.reduce(1, *) == count, "reshape: \(shape) has \(count) elements, \(newShape) does not")
    return Tensor.record(.reshape(to: s), [self], shape: s, scalars: scalars)
  }

  /// Flattens axes from `axis` on into one (`flatten(1)` turns NCHW into N×(CHW)).
  public func flatten(from axis: Int = 1) -> Tensor {
    reshape(Array(shape.prefix(axis)) + [shape.dropFirst(axis).reduce(1, *)])
  }

  /// Reorders axes: result axis i is input axis `order[i]`.
  public func permute(_ order: [Int]) -> Tensor {
    precondition(order.sorted() == Array(0..<rank), "permute: \(order) is not a permutation of \(rank) axes")
    let outShape = order.map { shape[$0] }
    let own = ShapeMath.strides(shape)
    let st = order.map { Int64(own[$0]) }
    let dims = outShape.map { Int64($0) }
    let data = makeScalars(count) { out in
      scalars.withUnsafeBufferPointer { morph_strided_copy($0.baseAddress, st, out, dims, Int32(rank)) }
    }
    return Tensor.record(.permute(order), [self], shape: outShape, scalars: data)
  }

  /// Swaps the two axes of a matrix.
  public func transposed() -> Tensor {
    precondition(rank == 2, "transposed: needs a matrix, shape is \(shape)")
    return permute([1, 0])
  }

  /// Repeats size-1 axes (and prepends axes) to reach `target` (NumPy broadcasting).
  public func broadcast(to target: [Int]) -> Tensor {
    if shape == target { return self }
    precondition(ShapeMath.broadcast(shape, target) == target, "broadcast: \(shape) to \(target)")
    let st = ShapeMath.broadcastStrides(shape, to: target)
    let dims = target.map { Int64($0) }
    let data = makeScalars(target.reduce(1, *)) { out in
      scalars.withUnsafeBufferPointer { morph_strided_copy($0.baseAddress, st, out, dims, Int32(target.count)) }
    }
    return Tensor.record(.broadcast(to: target), [self], shape: target, scalars: data)
  }

  /// `length` entries of `axis` starting at `start`.
  public func narrow(axis: Int, start: Int, length: Int) -> Tensor {
    let a = ShapeMath.axis(axis, rank: rank)
    precondition(start >= 0 && length >= 0 && start + length <= shape[a], "narrow: \(start)+\(length) outside \(shape) axis \(a)")
    var outShape = shape
    outShape[a] = length
    let outer = shape.prefix(a).reduce(1, *), inner = shape.dropFirst(a + 1).reduce(1, *)
    let data = makeScalars(outShape.reduce(1, *)) { out in
      scalars.withUnsafeBufferPointer { src in
        guard let base = src.baseAddress else { return }
        for o in 0..<outer {
          (out + o * length * inner).update(from: base + (o * shape[a] + start) * inner, count: length * inner)
        }
      }
    }
    return Tensor.record(.narrow(axis: a, start: start, length: length), [self], shape: outShape, scalars: data)
  }

  /// Places this tensor at `start` along `axis` inside zeros of size `total` there
  /// (the adjoint of `narrow`).
  public func pad(axis: Int, start: Int, total: Int) -> Tensor {
    let a = ShapeMath.axis(axis, rank: rank)
    precondition(start >= 0 && start + shape[a] <= total, "pad: \(shape) at \(start) in \(total)")
    var outShape = shape
    outShape[a] = total
    let outer = shape.prefix(a).reduce(1, *), inner = shape.dropFirst(a + 1).reduce(1, *)
    let length = shape[a]
    let data = makeScalars(outShape.reduce(1, *)) { out in
      out.initialize(repeating: 0, count: outShape.reduce(1, *))
      scalars.withUnsafeBufferPointer { src in
        guard let base = src.baseAddress else { return }
        for o in 0..<outer {
          (out + (o * total + start) * inner).update(from: base + o * length * inner, count: length * inner)
        }
      }
    }
    return Tensor.record(.pad(axis: a, start: start, total: total), [self], shape: outShape, scalars: data)
  }

  /// Rows `range` of the batch axis.
  public func batch(_ range: Range<Int>) -> Tensor { narrow(axis: 0, start: range.lowerBound, length: range.count) }

  /// Entries `indices` of axis 0, in that order (`f[perm]` in PyTorch).
  public func indexSelect(_ indices: [Int]) -> Tensor {
    precondition(rank >= 1, "indexSelect: needs rank ≥ 1")
    let rows = shape[0], inner = count / Swift.max(rows, 1)
    precondition(indices.allSatisfy { $0 >= 0 && $0 < rows }, "indexSelect: index outside 0..<\(rows)")
    let outShape = [indices.count] + shape.dropFirst()
    let data = makeScalars(indices.count * inner) { out in
      scalars.withUnsafeBufferPointer { src in
        guard let base = src.baseAddress else { return }
        for (i, r) in indices.enumerated() { (out + i * inner).update(from: base + r * inner, count: inner) }
      }
    }
    return Tensor.record(.indexSelect(indices: indices), [self], shape: outShape, scalars: data)
  }

  /// Adds row i of this tensor into row `indices[i]` of zeros with `count` rows
  /// (the adjoint of `indexSelect`).
  public func indexAdd(_ indices: [Int], count rows: Int) -> Tensor {
    precondition(shape.first == indices.count, "indexAdd: \(indices.count) indices for shape \(shape)")
    precondition(indices.allSatisfy { $0 >= 0 && $0 < rows }, "indexAdd: index outside 0..<\(rows)")
    let inner = indices.isEmpty ? 0 : count / indices.count
    let outShape = [rows] + shape.dropFirst()
    let total = outShape.reduce(1, *)
    let data = makeScalars(total) { out in
      out.initialize(repeating: 0, count: total)
      scalars.withUnsafeBufferPointer { src in
        guard let base = src.baseAddress else { return }
        for (i, r) in indices.enumerated() {
          let d = out + r * inner, s = base + i * inner
          for j in 0..<inner { d[j] += s[j] }
        }
      }
    }
    return Tensor.record(.indexAdd(indices: indices, count: rows), [self], shape: outShape, scalars: data)
  }

  /// Elements at flat `indices`, shaped `shape` (used by max pooling).
  func gather(_ indices: [Int64], shape outShape: [Int]) -> Tensor {
    let data = makeScalars(indices.count) { out in
      scalars.withUnsafeBufferPointer { src in morph_gather(src.baseAddress, indices, out, indices.count) }
    }
    return Tensor.record(.gather(indices: indices), [self], shape: outShape, scalars: data)
  }

  /// Adds element i into flat position `indices[i]` of zeros shaped `shape` (gather's adjoint).
  func scatterAdd(_ indices: [Int64], shape outShape: [Int]) -> Tensor {
    let total = outShape.reduce(1, *)
    let data = makeScalars(total) { out in
      scalars.withUnsafeBufferPointer { src in morph_scatter_add(src.baseAddress, indices, indices.count, out, total) }
    }
    return Tensor.record(.scatterAdd(indices: indices, count: total), [self], shape: outShape, scalars: data)
  }

  /// Joins `tensors` along `axis`; other axes must agree.
  public static func concat(_ tensors: [Tensor], axis: Int = 0) -> Tensor {
    precondition(!tensors.isEmpty, "concat: no tensors")
    let first = tensors[0]
    let a = ShapeMath.axis(axis, rank: first.rank)
    for t in tensors {
      precondition(
        t.rank == first.rank && (0..<t.rank).allSatisfy { $0 == a || t.shape[$0] == first.shape[$0] },
        "concat: shapes \(first.shape) and \(t.shape) differ off axis \(a)")
    }
    var outShape = first.shape
    outShape[a] = tensors.reduce(0) { $0 + $1.shape[a] }
    let outer = first.shape.prefix(a).reduce(1, *), inner = first.shape.dropFirst(a + 1).reduce(1, *)
    let data = makeScalars(outShape.reduce(1, *)) { out in
      var offset = 0
      for t in tensors {
        let len = t.shape[a] * inner
        t.scalars.withUnsafeBufferPointer { src in
          guard let base = src.baseAddress else { return }
          for o in 0..<outer { (out + o * outShape[a] * inner + offset).update(from: base + o * len, count: len) }
        }
        offset += len
      }
    }
    return record(.concat(axis: a), tensors, shape: outShape, scalars: data)
  }
}

extension Tensor {
  /// Joins equally shaped tensors along a new leading axis.
  public static func stack(_ tensors: [Tensor]) -> Tensor {
    precondition(!tensors.isEmpty, "stack: no tensors")
    return concat(tensors.map { $0.reshape([1] + $0.shape) }, axis: 0)
  }

  /// The batch in reverse order (`x.flip(0)` in PyTorch).
  public func reversedBatch() -> Tensor { indexSelect(Array((0..<shape[0]).reversed())) }
}
