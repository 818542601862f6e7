import MorphTensor
import XCTest

/// Finite-difference checks of analytic gradients.
///
/// The function is reduced to a scalar by a fixed random weighting of its output, so every
/// output element contributes. Central differences in Float32 with eps 1e-2 (values are O(1))
/// have truncation error O(eps²·f''') and rounding error O(1e-7/eps): ~1e-4 absolute, so the
/// tolerance is 2e-3 absolute + 2e-2 relative.
enum GradCheck {
  static func weighted(_ y: Tensor, seed: UInt64 = 99) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return (y * Tensor.randn(y.shape, rng: &rng)).sum()
  }

  /// Checks d f / d inputs against central differences. `f` must return a scalar.
  static func check(
    _ inputs: [Tensor], eps: Float = 1e-2, atol: Float = 2e-3, rtol: Float = 2e-2,
    file: StaticString = #filePath, line: UInt = #line, _ f: ([Tensor]) -> Tensor
  ) throws {
    let leaves = inputs.map { Tensor(shape: $0.shape, scalars: $0.scalars, requiresGrad: true) }
    let y = f(leaves)
    let analytic = try y.gradients(wrt: leaves)
    for (k, x) in inputs.enumerated() {
      for i in 0..<x.count {
        func value(_ delta: Float) -> Float {
          var s = x.scalars
          s[i] += delta
          let args = inputs.enumerated().map { $0.offset == k ? Tensor(shape: x.shape, scalars: s) : $0.element }
          return withoutGrad { f(args).item }
        }
        let numeric = (value(eps) - value(-eps)) / (2 * eps)
        let a = analytic[k].scalars[i]
        if Swift.abs(a - numeric) > atol + rtol * Swift.abs(numeric) {
          XCTFail("input \(k) element \(i): analytic \(a), numeric \(numeric)", file: file, line: line)
          return
        }
      }
    }
  }

  /// Checks second derivatives: differentiates h(inputs) = Σ r·∂f/∂inputs[0] (computed with
  /// `createGraph: true`) with respect to all inputs by finite differences.
  static func checkSecondOrder(
    _ inputs: [Tensor], eps: Float = 1e-2, atol: Float = 3e-3, rtol: Float = 3e-2,
    file: StaticString = #filePath, line: UInt = #line, _ f: @escaping ([Tensor]) -> Tensor
  ) throws {
    try check(inputs, eps: eps, atol: atol, rtol: rtol, file: file, line: line) { xs in
      let leaves = xs.map { t -> Tensor in
        t.requiresGrad ? t : Tensor(shape: t.shape, scalars: t.scalars, requiresGrad: true)
      }
      let y = withGradMode(true) { f(leaves) }
      // In the numeric passes the outer mode is no-grad; the inner gradient still needs a tape.
      let g = withGradMode(true) { (try? y.gradients(wrt: [leaves[0]], createGraph: true))?[0] ?? .zeros(leaves[0].shape) }
      return weighted(g, seed: 7)
    }
  }

  static func random(_ shape: [Int], seed: UInt64, scale: Float = 1) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.randn(shape, std: scale, rng: &rng)
  }
}
