import Foundation

/// Measures of a strength path `v_0 … v_N` and the oracle's readings along it.
public enum PathMetrics {
  /// Coefficient of determination of the least-squares line through `(x_i, y_i)`.
  /// A flat `y` (nothing to explain) gives 0: a method that does not move is not "linear".
  public static func rSquared(x: [Double], y: [Double]) -> Double {
    precondition(x.count == y.count && !x.isEmpty, "rSquared: mismatched or empty inputs")
    let n = Double(x.count)
    let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
    var sxx = 0.0, sxy = 0.0, syy = 0.0
    for (a, b) in zip(x, y) {
      sxx += (a - mx) * (a - mx)
      sxy += (a - mx) * (b - my)
      syy += (b - my) * (b - my)
    }
    guard syy > 1e-12, sxx > 1e-12 else { return 0 }
    // For a least-squares line, R² = 1 − SS_res/SS_tot = sxy² / (sxx·syy).
    return (sxy * sxy) / (sxx * syy)
  }

  /// Gini coefficient of non-negative values: Σ_i Σ_j |d_i − d_j| / (2 n Σ d); 0 when all equal.
  public static func gini(_ d: [Double]) -> Double {
    let total = d.reduce(0, +)
    guard total > 0, !d.isEmpty else { return 0 }
    var s = 0.0
    for a in d { for b in d { s += abs(a - b) } }
    return s / (2 * Double(d.count) * total)
  }

  /// Perceptual path smoothness of a path through feature space.
  public struct Smoothness: Equatable, Codable, Sendable {
    /// E = min(1, d(x_0, x_N) / Σ d_i): 1 for a straight path.
    public var efficiency: Double
    /// I = 1 − Gini(d_i): 1 when the steps are equal.
    public var equality: Double
    /// PPS = 2·I·E / (I + E), the harmonic mean.
    public var pps: Double
  }

  /// PPS of consecutive feature vectors; nil when the path does not move at all.
  public static func smoothness(_ features: [[Double]]) -> Smoothness? {
    guard features.count >= 2 else { return nil }
    func dist(_ a: [Double], _ b: [Double]) -> Double {
      zip(a, b).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }.squareRoot()
    }
    let steps = (1..<features.count).map { dist(features[$0 - 1], features[$0]) }
    let total = steps.reduce(0, +)
    guard total > 1e-9 else { return nil }
    let e = min(1, dist(features[0], features[features.count - 1]) / total)
    let i = 1 - gini(steps)
    let pps = (i + e) > 0 ? 2 * i * e / (i + e) : 0
    return Smoothness(efficiency: e, equality: i, pps: pps)
  }
}
