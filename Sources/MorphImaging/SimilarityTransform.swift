import Foundation

/// A rotation, uniform scale and translation: (x, y) → s·R(θ)·(x, y) + (tx, ty).
public struct SimilarityTransform: Equatable, Sendable {
  public var scale: Double
  /// Rotation in radians (positive turns +x towards +y).
  public var rotation: Double
  public var tx: Double
  public var ty: Double

  public init(scale: Double, rotation: Double, tx: Double, ty: Double) {
    self.scale = scale
    self.rotation = rotation
    self.tx = tx
    self.ty = ty
  }

  /// The least-squares similarity taking `source` points onto `target` points
  /// (minimises Σ‖s·R·pᵢ + t − qᵢ‖², no reflection).
  ///
  /// With centred points p′, q′ and the linear part written [a −b; b a]:
  /// a = Σ(p′ₓq′ₓ + p′ᵧq′ᵧ) / Σ‖p′‖², b = Σ(p′ₓq′ᵧ − p′ᵧq′ₓ) / Σ‖p′‖², t = q̄ − [a −b; b a]·p̄.
  public static func fit(from source: [ImagePoint], to target: [ImagePoint]) throws
    -> SimilarityTransform
  {
    guard source.count == target.count, source.count >= 2 else {
      throw ImagingError.invalidArgument(
        "similarity fit needs ≥ 2 matching points, got \(source.count) and \(target.count)")
    }
    let n = Double(source.count)
    let (px, py) = (source.map(\.x).reduce(0, +) / n, source.map(\.y).reduce(0, +) / n)
    let (qx, qy) = (target.map(\.x).reduce(0, +) / n, target.map(\.y).reduce(0, +) / n)
    var (dot, cross, norm) = (0.0, 0.0, 0.0)
    for (p, q) in zip(source, target) {
      let (ux, uy, vx, vy) = (p.x - px, p.y - py, q.x - qx, q.y - qy)
      dot += ux * vx + uy * vy
      cross += ux * vy - uy * vx
      norm += ux * ux + uy * uy
    }
    guard norm > 1e-9, norm.isFinite else {
      throw ImagingError.invalidArgument("similarity fit: the source points all coincide")
    }
    let (a, b) = (dot / norm, cross / norm)
    let scale = (a * a + b * b).squareRoot()
    guard scale > 1e-9 else {
      throw ImagingError.invalidArgument("similarity fit: the target points all coincide")
    }
    return SimilarityTransform(
      scale: scale, rotation: atan2(b, a), tx: qx - (a * px - b * py), ty: qy - (b * px + a * py))
  }

  /// The same map as a general affine transform.
  public var affine: AffineTransform {
    let (a, b) = (scale * cos(rotation), scale * sin(rotation))
    return AffineTransform(a: a, b: -b, c: b, d: a, tx: tx, ty: ty)
  }
}
