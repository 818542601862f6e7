import Foundation

/// A linear RGB colour with components in [0, 1].
public struct FaceColor: Equatable, Sendable {
  public var r: Double
  public var g: Double
  public var b: Double

  public init(_ r: Double, _ g: Double, _ b: Double) {
    self.r = r
    self.g = g
    self.b = b
  }

  /// `(1 − t)·self + t·other`.
  public func mixed(with other: FaceColor, _ t: Double) -> FaceColor {
    FaceColor(r + (other.r - r) * t, g + (other.g - g) * t, b + (other.b - b) * t)
  }

  /// Every component multiplied by `k`.
  public func scaled(_ k: Double) -> FaceColor { FaceColor(r * k, g * k, b * k) }
}

/// Where a face sits in the image: a shift and a rotation about the crop centre (89, 124),
/// in canonical pixels and radians. The identity pose is CelebA's aligned layout.
public struct FacePose: Equatable, Sendable {
  public var dx: Double
  public var dy: Double
  public var angle: Double

  public init(dx: Double = 0, dy: Double = 0, angle: Double = 0) {
    self.dx = dx
    self.dy = dy
    self.angle = angle
  }

  /// The rotation centre: the centre of CelebA's 160-pixel face crop.
  public static let pivot = FacePoint(89, 124)

  /// Maps a canonical-frame point to its place in the posed canonical frame.
  public func apply(_ p: FacePoint) -> FacePoint {
    let c = cos(angle), s = sin(angle)
    let x = p.x - Self.pivot.x, y = p.y - Self.pivot.y
    return FacePoint(c * x - s * y + Self.pivot.x + dx, s * x + c * y + Self.pivot.y + dy)
  }
}

/// An RGB float raster that shapes are painted onto with coverage-based anti-aliasing.
///
/// Shapes are described in the canonical 178×218 frame; the canvas maps each pixel centre
/// back through its scale and pose, so one face description renders at any size and pose.
struct FaceCanvas {
  let width: Int
  let height: Int
  /// Output pixels per canonical pixel.
  let scale: Double
  let pose: FacePose
  /// Interleaved RGB, row-major.
  var pixels: [Float]

  private let cosA: Double
  private let sinA: Double

  init(width: Int, height: Int, pose: FacePose) {
    self.width = width
    self.height = height
    self.scale = Double(width) / FaceLayout.canonicalWidth
    self.pose = pose
    self.pixels = [Float](repeating: 0, count: width * height * 3)
    self.cosA = cos(pose.angle)
    self.sinA = sin(pose.angle)
  }

  /// The canonical-frame point seen at output pixel coordinates (x, y).
  @inline(__always) func canonical(_ x: Double, _ y: Double) -> (Double, Double) {
    let px = x / scale - FacePose.pivot.x - pose.dx
    let py = y / scale - FacePose.pivot.y - pose.dy
    // Inverse rotation.
    return (cosA * px + sinA * py + FacePose.pivot.x, -sinA * px + cosA * py + FacePose.pivot.y)
  }

  /// Output pixel coordinates of a canonical-frame point.
  func pixel(of p: FacePoint) -> FacePoint {
    let q = pose.apply(p)
    return FacePoint(q.x * scale, q.y * scale)
  }

  /// Fills the whole canvas with a vertical gradient from `top` to `bottom`.
  mutating func fillGradient(top: FaceColor, bottom: FaceColor) {
    for y in 0..<height {
      let c = top.mixed(with: bottom, (Double(y) + 0.5) / Double(height))
      for x in 0..<width {
        let i = (y * width + x) * 3
        pixels[i] = Float(c.r)
        pixels[i + 1] = Float(c.g)
        pixels[i + 2] = Float(c.b)
      }
    }
  }

  /// Paints `shape` in `color` with opacity `alpha`; edge pixels get their covered fraction.
  mutating func fill(_ shape: FaceShape, _ color: FaceColor, alpha: Double = 1) {
    guard alpha > 0.002 else { return }
    let (x0, y0, x1, y1) = pixelBounds(shape.bounds)
    guard x0 <= x1, y0 <= y1 else { return }
    let r = Float(color.r), g = Float(color.g), b = Float(color.b)
    // Take the storage out of `self` so the loop can read the transform while writing pixels.
    var storage = pixels
    pixels = []
    defer { pixels = storage }
    storage.withUnsafeMutableBufferPointer { buffer in
      for y in y0...y1 {
        for x in x0...x1 {
          let (cx, cy) = canonical(Double(x) + 0.5, Double(y) + 0.5)
          let d = shape.distance(cx, cy) * scale
          if d >= 0.5 { continue }
          let a = Float(min(0.5 - d, 1) * alpha)
          let i = (y * width + x) * 3
          buffer[i] += (r - buffer[i]) * a
          buffer[i + 1] += (g - buffer[i + 1]) * a
          buffer[i + 2] += (b - buffer[i + 2]) * a
        }
      }
    }
  }

  /// Multiplies every pixel by `1 + strength·(direction · offset from the pivot)/100`: a soft
  /// directional light across the face.
  mutating func applyLight(angle: Double, strength: Double) {
    let ux = cos(angle), uy = sin(angle)
    var storage = pixels
    pixels = []
    defer { pixels = storage }
    storage.withUnsafeMutableBufferPointer { buffer in
      for y in 0..<height {
        for x in 0..<width {
          let (cx, cy) = canonical(Double(x) + 0.5, Double(y) + 0.5)
          let k = Float(1 + strength * ((cx - FacePose.pivot.x) * ux + (cy - FacePose.pivot.y) * uy) / 100)
          let i = (y * width + x) * 3
          buffer[i] *= k
          buffer[i + 1] *= k
          buffer[i + 2] *= k
        }
      }
    }
  }

  /// 8-bit interleaved RGB, rounded and clamped.
  func bytes() -> [UInt8] {
    pixels.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) }
  }

  /// The pixel rectangle (inclusive, clipped) that covers a canonical-frame box after posing.
  private func pixelBounds(_ b: (minX: Double, minY: Double, maxX: Double, maxY: Double)) -> (
    Int, Int, Int, Int
  ) {
    let minX = max(b.minX, -200), minY = max(b.minY, -200)
    let maxX = min(b.maxX, FaceLayout.canonicalWidth + 200), maxY = min(b.maxY, FaceLayout.canonicalHeight + 200)
    guard minX <= maxX, minY <= maxY else { return (1, 1, 0, 0) }
    let corners = [
      pixel(of: FacePoint(minX, minY)), pixel(of: FacePoint(maxX, minY)),
      pixel(of: FacePoint(minX, maxY)), pixel(of: FacePoint(maxX, maxY)),
    ]
    let xs = corners.map(\.x), ys = corners.map(\.y)
    let x0 = max(0, Int(floor((xs.min() ?? 0) - 1.5)))
    let y0 = max(0, Int(floor((ys.min() ?? 0) - 1.5)))
    let x1 = min(width - 1, Int(ceil((xs.max() ?? 0) + 1.5)))
    let y1 = min(height - 1, Int(ceil((ys.max() ?? 0) + 1.5)))
    return (x0, y0, x1, y1)
  }
}
