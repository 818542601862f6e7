import Foundation

/// A point in pixel coordinates, where pixel (i, j) has its centre at (i, j) — libvips' convention.
public struct ImagePoint: Equatable, Sendable, CustomStringConvertible {
  public var x: Double
  public var y: Double

  public init(x: Double, y: Double) {
    self.x = x
    self.y = y
  }

  public var description: String { "(\(x), \(y))" }
}

/// A 2-D affine map (x, y) → (a·x + b·y + tx, c·x + d·y + ty) from input to output pixel
/// coordinates (pixel centres at integers, as libvips' `affine` uses them).
///
/// Alignment and jitter each produce one of these; composing them with `then` and warping once
/// resamples the image a single time instead of once per stage.
public struct AffineTransform: Equatable, Sendable {
  public var a: Double, b: Double, c: Double, d: Double, tx: Double, ty: Double

  public init(a: Double, b: Double, c: Double, d: Double, tx: Double, ty: Double) {
    (self.a, self.b, self.c, self.d, self.tx, self.ty) = (a, b, c, d, tx, ty)
  }

  /// The map that leaves every point where it is.
  public static let identity = AffineTransform(a: 1, b: 0, c: 0, d: 1, tx: 0, ty: 0)

  /// Moves every point by (dx, dy).
  public static func translation(dx: Double, dy: Double) -> AffineTransform {
    AffineTransform(a: 1, b: 0, c: 0, d: 1, tx: dx, ty: dy)
  }

  /// Scales about the origin.
  public static func scale(x sx: Double, y sy: Double) -> AffineTransform {
    AffineTransform(a: sx, b: 0, c: 0, d: sy, tx: 0, ty: 0)
  }

  /// Rotates by `radians` about the origin (positive turns +x towards +y, i.e. clockwise on
  /// screen, since image y points down).
  public static func rotation(radians: Double) -> AffineTransform {
    let (cs, sn) = (cos(radians), sin(radians))
    return AffineTransform(a: cs, b: -sn, c: sn, d: cs, tx: 0, ty: 0)
  }

  /// This map followed by `next` (that is, `next ∘ self`).
  public func then(_ next: AffineTransform) -> AffineTransform {
    AffineTransform(
      a: next.a * a + next.b * c, b: next.a * b + next.b * d,
      c: next.c * a + next.d * c, d: next.c * b + next.d * d,
      tx: next.a * tx + next.b * ty + next.tx, ty: next.c * tx + next.d * ty + next.ty)
  }

  /// `self` conjugated to act about `centre` instead of the origin.
  public func about(_ centre: ImagePoint) -> AffineTransform {
    AffineTransform.translation(dx: -centre.x, dy: -centre.y).then(self)
      .then(.translation(dx: centre.x, dy: centre.y))
  }

  /// Determinant of the linear part (area scale; negative when the map mirrors).
  public var determinant: Double { a * d - b * c }

  /// The inverse map, or nil when the linear part is singular.
  public var inverse: AffineTransform? {
    let det = determinant
    guard det.isFinite, abs(det) > 1e-12 else { return nil }
    let (ia, ib, ic, id) = (d / det, -b / det, -c / det, a / det)
    return AffineTransform(a: ia, b: ib, c: ic, d: id, tx: -(ia * tx + ib * ty), ty: -(ic * tx + id * ty))
  }

  /// The inverse as the warp kernels take it (output pixel → input position), row by row:
  /// [a, b, tx, c, d, ty]; nil when the transform is singular.
  var inverseWarpCoefficients: [Double]? {
    inverse.map { [$0.a, $0.b, $0.tx, $0.c, $0.d, $0.ty] }
  }

  /// Where `point` goes.
  public func apply(_ point: ImagePoint) -> ImagePoint {
    ImagePoint(x: a * point.x + b * point.y + tx, y: c * point.x + d * point.y + ty)
  }
}
