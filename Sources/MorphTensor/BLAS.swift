import CBLAS

/// Row-major single-precision GEMM: `C = alpha * op(A) * op(B) + beta * C` through OpenBLAS,
/// on the calling thread (the engine splits work over the cores itself; see `Parallel`).
///
/// `A` is `m×k` (or `k×m` when `transA`), `B` is `k×n` (or `n×k` when `transB`), `C` is `m×n`.
public func sgemm(
  transA: Bool, transB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float = 0,
  c: UnsafeMutablePointer<Float>, ldc: Int
) {
  _ = Parallel.setUp
  cblas_sgemm(
    CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// Runs `body` with OpenBLAS threaded over `threads` threads, then single-threaded again as
/// the engine needs it (for measuring OpenBLAS's own multi-core rate).
public func withBLASThreads<R>(_ threads: Int, _ body: () throws -> R) rethrows -> R {
  _ = Parallel.setUp
  openblas_set_num_threads(Int32(Swift.max(1, threads)))
  defer { openblas_set_num_threads(1) }
  return try body()
}
