import CBLAS

/// Row-major single-precision GEMM: `C = alpha * op(A) * op(B) + beta * C` through OpenBLAS.
///
/// `A` is `m×k` (or `k×m` when `transA`), `B` is `k×n` (or `n×k` when `transB`), `C` is `m×n`.
@inlinable
public func sgemm(
  transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
  c: UnsafeMutablePointer<Float>, ldc: Int
) {
  cblas_sgemm(
    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Sets how many threads OpenBLAS uses for the following calls.
public func setBLASThreads(_ count: Int) { openblas_set_num_threads(Int32(count)) }
