import Foundation

/// A point in the canonical 178×218 face frame (CelebA aligned layout), in pixels.
public struct FacePoint: Equatable, Sendable {
  public var x: Double
  public var y: Double

  public init(_ x: Double, _ y: Double) {
    self.x = x
    self.y = y
  }
}

/// A parabola `y(x) = yMid + (yEnd − yMid)·((x − cx)/halfWidth)²`, symmetric about `cx`:
/// the lip lines of a mouth whose corners sit at `cx ± halfWidth`.
struct Parabola: Sendable {
  var cx: Double
  var halfWidth: Double
  var yMid: Double
  var yEnd: Double

  @inline(__always) func y(at x: Double) -> Double {
    let u = (x - cx) / halfWidth
    return yMid + (yEnd - yMid) * u * u
  }
}

/// A closed 2-D shape given by its signed distance (negative inside), in canonical pixels.
///
/// Coverage-based anti-aliasing needs only an approximate distance near the edge, so the
/// ellipse and band distances are first-order approximations that are exact on the boundary.
indirect enum FaceShape: Sendable {
  case ellipse(center: FacePoint, rx: Double, ry: Double)
  /// A box with rounded corners, `radius` ≤ half of each side.
  case roundedBox(center: FacePoint, halfWidth: Double, halfHeight: Double, radius: Double)
  /// A segment thickened by `radius` (round caps).
  case capsule(FacePoint, FacePoint, radius: Double)
  /// A quadratic Bézier stroke of half-thickness `radius`, flattened into `segments` pieces.
  case curve(FacePoint, control: FacePoint, FacePoint, radius: Double, segments: Int)
  /// The region between two parabolas over `|x − cx| ≤ halfWidth` (upper above lower).
  case band(upper: Parabola, lower: Parabola)
  /// An elliptical ring of half-thickness `halfThickness` around the ellipse outline.
  case ring(center: FacePoint, rx: Double, ry: Double, halfThickness: Double)
  /// The half-plane `y ≥ y0` (below a horizontal line) or `y ≤ y0`.
  case below(Double)
  case above(Double)
  case union(FaceShape, FaceShape)
  case intersection(FaceShape, FaceShape)
  case subtraction(FaceShape, minus: FaceShape)
  /// Linear blend of two distance fields: morphs one outline into the other.
  case blend(FaceShape, FaceShape, weight: Double)

  /// Signed distance from `p` to the outline (negative inside).
  func distance(_ px: Double, _ py: Double) -> Double {
    switch self {
    case .ellipse(let c, let rx, let ry):
      return FaceShape.ellipseDistance(px - c.x, py - c.y, rx, ry)
    case .roundedBox(let c, let hw, let hh, let r):
      let qx = abs(px - c.x) - hw + r
      let qy = abs(py - c.y) - hh + r
      let outside = (max(qx, 0) * max(qx, 0) + max(qy, 0) * max(qy, 0)).squareRoot()
      return outside + min(max(qx, qy), 0) - r
    case .capsule(let a, let b, let r):
      return FaceShape.segmentDistance(px, py, a, b) - r
    case .curve(let a, let c, let b, let r, let n):
      var best = Double.infinity
      var prev = a
      for i in 1...max(n, 1) {
        let t = Double(i) / Double(max(n, 1))
        let u = 1 - t
        let next = FacePoint(
          u * u * a.x + 2 * u * t * c.x + t * t * b.x, u * u * a.y + 2 * u * t * c.y + t * t * b.y)
        best = min(best, FaceShape.segmentDistance(px, py, prev, next))
        prev = next
      }
      return best - r
    case .band(let upper, let lower):
      // Vertical distances to the two curves, horizontal distance to the ends.
      let dx = abs(px - upper.cx) - upper.halfWidth
      return max(max(upper.y(at: px) - py, py - lower.y(at: px)), dx)
    case .ring(let c, let rx, let ry, let t):
      return abs(FaceShape.ellipseDistance(px - c.x, py - c.y, rx, ry)) - t
    case .below(let y0):
      return y0 - py
    case .above(let y0):
      return py - y0
    case .union(let a, let b):
      return min(a.distance(px, py), b.distance(px, py))
    case .intersection(let a, let b):
      return max(a.distance(px, py), b.distance(px, py))
    case .subtraction(let a, let b):
      return max(a.distance(px, py), -b.distance(px, py))
    case .blend(let a, let b, let w):
      return (1 - w) * a.distance(px, py) + w * b.distance(px, py)
    }
  }

  /// Approximate ellipse distance `k0·(k0 − 1)/k1` (exact on the outline, good near it).
  @inline(__always)
  static func ellipseDistance(_ x: Double, _ y: Double, _ rx: Double, _ ry: Double) -> Double {
    let k0 = ((x / rx) * (x / rx) + (y / ry) * (y / ry)).squareRoot()
    let k1 = ((x / (rx * rx)) * (x / (rx * rx)) + (y / (ry * ry)) * (y / (ry * ry))).squareRoot()
    if k1 < 1e-12 { return -min(rx, ry) }
    return k0 * (k0 - 1) / k1
  }

  @inline(__always)
  static func segmentDistance(_ px: Double, _ py: Double, _ a: FacePoint, _ b: FacePoint) -> Double {
    let bax = b.x - a.x, bay = b.y - a.y
    let pax = px - a.x, pay = py - a.y
    let len2 = bax * bax + bay * bay
    let h = len2 > 0 ? min(max((pax * bax + pay * bay) / len2, 0), 1) : 0
    let dx = pax - bax * h, dy = pay - bay * h
    return (dx * dx + dy * dy).squareRoot()
  }

  /// A canonical-frame box that contains the shape (inclusive, may be loose).
  var bounds: (minX: Double, minY: Double, maxX: Double, maxY: Double) {
    switch self {
    case .ellipse(let c, let rx, let ry):
      return (c.x - rx, c.y - ry, c.x + rx, c.y + ry)
    case .roundedBox(let c, let hw, let hh, _):
      return (c.x - hw, c.y - hh, c.x + hw, c.y + hh)
    case .capsule(let a, let b, let r):
      return (min(a.x, b.x) - r, min(a.y, b.y) - r, max(a.x, b.x) + r, max(a.y, b.y) + r)
    case .curve(let a, let c, let b, let r, _):
      return (
        min(a.x, b.x, c.x) - r, min(a.y, b.y, c.y) - r, max(a.x, b.x, c.x) + r, max(a.y, b.y, c.y) + r
      )
    case .band(let u, let l):
      let ys = [u.yMid, u.yEnd, l.yMid, l.yEnd]
      return (u.cx - u.halfWidth, ys.min() ?? 0, u.cx + u.halfWidth, ys.max() ?? 0)
    case .ring(let c, let rx, let ry, let t):
      return (c.x - rx - t, c.y - ry - t, c.x + rx + t, c.y + ry + t)
    case .below(let y0):
      return (-1e4, y0, 1e4, 1e4)
    case .above(let y0):
      return (-1e4, -1e4, 1e4, y0)
    case .union(let a, let b), .blend(let a, let b, _):
      let p = a.bounds, q = b.bounds
      return (min(p.minX, q.minX), min(p.minY, q.minY), max(p.maxX, q.maxX), max(p.maxY, q.maxY))
    case .intersection(let a, let b):
      let p = a.bounds, q = b.bounds
      return (max(p.minX, q.minX), max(p.minY, q.minY), min(p.maxX, q.maxX), min(p.maxY, q.maxY))
    case .subtraction(let a, _):
      return a.bounds
    }
  }
}
