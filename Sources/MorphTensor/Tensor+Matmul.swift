extension Tensor {
  /// Matrix product `op(a)·op(b)` of two matrices through OpenBLAS sgemm.
  public static func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
    precondition(a.rank == 2 && b.rank == 2, "matmul: needs matrices, got \(a.shape) and \(b.shape)")
    let m = transposeA ? a.shape[1] : a.shape[0], k = transposeA ? a.shape[0] : a.shape[1]
    let k2 = transposeB ? b.shape[1] : b.shape[0], n = transposeB ? b.shape[0] : b.shape[1]
    precondition(k == k2, "matmul: inner sizes differ for \(a.shape)\(transposeA ? "ᵀ" : "") and \(b.shape)\(transposeB ? "ᵀ" : "")")
    FlopCounter.add(2 * m * n * k)
    let data = makeScalars(m * n) { out in
      a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
          // sgemm with beta 0 writes every value of C; only an empty operand (k = 0) leaves it to us.
          guard let pa = pa.baseAddress, let pb = pb.baseAddress else {
            out.initialize(repeating: 0, count: m * n)
            return
          }
          // Column ranges of C over the cores: op(B)'s columns are B's rows when transposed.
          Parallel.forEachPart(n, parts: Parallel.parts(n, work: 2 * m * n * k)) { _, cols in
            let columns = pb + (transposeB ? cols.lowerBound * b.shape[1] : cols.lowerBound)
            sgemm(
              transA: transposeA, transB: transposeB, m: m, n: cols.count, k: k, a: pa, lda: a.shape[1],
              b: columns, ldb: b.shape[1], c: out + cols.lowerBound, ldc: n)
          }
        }
      }
    }
    return record(.matmul(transposeA: transposeA, transposeB: transposeB), [a, b], shape: [m, n], scalars: data)
  }
}

/// Matrix product of two matrices.
public func matmul(_ a: Tensor, _ b: Tensor, transposeA: Bool = false, transposeB: Bool = false) -> Tensor {
  Tensor.matmul(a, b, transposeA: transposeA, transposeB: transposeB)
}

/// `x·wᵀ + b` for `x` N×in, `weight` out×in (PyTorch's layout), `bias` out.
public func linear(_ x: Tensor, _ weight: Tensor, _ bias: Tensor? = nil) -> Tensor {
  let y = matmul(x, weight, transposeB: true)
  guard let bias else { return y }
  return y + bias
}
