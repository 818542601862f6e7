import CMorphKernels
import Foundation
@testable import MorphTensor
import XCTest

final class BLASTests: XCTestCase {
  /// On a CPU with AVX2 and FMA, OpenBLAS must run kernels that use them once the engine is set
  /// up, even when it did not recognise the CPU (a hypervisor's Xeon made it fall back to
  /// Prescott's SSE3 kernels, at a third of the speed).
  func testOpenBLASUsesTheCPUsVectorUnits() throws {
    _ = Parallel.setUp
    guard let name = morph_blas_core_name().map({ String(cString: $0) }) else {
      throw XCTSkip("the BLAS is not OpenBLAS")
    }
    guard morph_cpu_has_avx2_fma() != 0 else { throw XCTSkip("this CPU has no AVX2 and FMA (OpenBLAS core \(name))") }
    if let chosen = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] {
      throw XCTSkip("OPENBLAS_CORETYPE=\(chosen) chooses the core")
    }
    let wide = ["haswell", "zen", "skylakex", "cooperlake", "sapphirerapids"]
    XCTAssertTrue(wide.contains(name.lowercased()), "OpenBLAS runs \(name) kernels on a CPU with AVX2 and FMA")
  }

  func testSgemmTwoByTwo() {
    // [1 2; 3 4] · [5 6; 7 8] = [19 22; 43 50]
    let a: [Float] = [1, 2, 3, 4], b: [Float] = [5, 6, 7, 8]
    var c = [Float](repeating: 0, count: 4)
    sgemm(transA: false, transB: false, m: 2, n: 2, k: 2, a: a, lda: 2, b: b, ldb: 2, c: &c, ldc: 2)
    XCTAssertEqual(c, [19, 22, 43, 50])
  }

  func testMatmulSplitOverColumnsMatchesLoops() {
    // 2·m·n·k = 2·37·300·40 = 888 000 operations: split over the cores, by columns of the
    // product (rows of B when it is transposed).
    let (m, n, k) = (37, 300, 40)
    let a = GradCheck.random([m, k], seed: 1200), b = GradCheck.random([k, n], seed: 1201)
    let bt = b.permute([1, 0])
    for (product, what) in [(matmul(a, b), "A·B"), (matmul(a, bt, transposeB: true), "A·(Bᵀ)ᵀ")] {
      XCTAssertEqual(product.shape, [m, n])
      for i in 0..<m {
        for j in 0..<n {
          var sum: Float = 0
          for l in 0..<k { sum += a.scalars[i * k + l] * b.scalars[l * n + j] }
          XCTAssertEqual(product.scalars[i * n + j], sum, accuracy: 1e-4 * (1 + abs(sum)), "\(what) [\(i), \(j)]")
        }
      }
    }
  }
}
