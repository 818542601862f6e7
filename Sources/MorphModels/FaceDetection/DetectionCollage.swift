import Foundation
import MorphImaging

// The multi-face test set of issue 34: canvases with faces pasted at random scales, positions
// and small rotations, each with a known box and five landmarks. Deterministic for a seed.

/// A face whose box and landmarks are known, in its own image.
public struct AnnotatedFace: Sendable {
  /// Interleaved 8-bit RGB pixels of the face's source image.
  public var pixels: [UInt8]
  public var width: Int
  public var height: Int
  public var box: FaceBox
  public var landmarks: MorphImaging.FaceLandmarks
  /// Where the face comes from (photo name, or "toy #i").
  public var origin: String

  public init(pixels: [UInt8], width: Int, height: Int, box: FaceBox, landmarks: MorphImaging.FaceLandmarks, origin: String) {
    self.pixels = pixels
    self.width = width
    self.height = height
    self.box = box
    self.landmarks = landmarks
    self.origin = origin
  }
}

/// One canvas of the collage set and the faces on it.
public struct CollageCanvas: Sendable {
  public var width: Int
  public var height: Int
  public var pixels: [UInt8]
  /// Ground truth: each pasted face's box and landmarks in canvas pixels, and its origin.
  public var faces: [(box: FaceBox, landmarks: MorphImaging.FaceLandmarks, origin: String)]
}

/// Builds collage canvases from a pool of annotated faces.
public struct DetectionCollage: Sendable {
  public var width = 640
  public var height = 480
  /// Faces per canvas (inclusive range).
  public var facesPerCanvas = 3...5
  /// Pasted face box widths in pixels.
  public var faceWidths = 40.0...120.0
  /// Largest rotation either way, in degrees.
  public var maxRotation = 12.0
  /// Share of faces drawn from the real photos (the rest are synthetic).
  public var realShare = 0.4

  public init() {}

  /// Canvas number `index` of the set seeded with `seed`: faces drawn from `real` (with
  /// probability `realShare`) or rendered by `synthetic(k)`, pasted without overlap on a smooth
  /// textured background.
  public func canvas(
    seed: UInt64, index: Int, real: [AnnotatedFace], synthetic: (Int) -> AnnotatedFace
  ) -> CollageCanvas {
    var rng = SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(truncatingIfNeeded: index) &+ 17)
    func u(_ lo: Double, _ hi: Double) -> Double { Double.random(in: lo...hi, using: &rng) }
    var pixels = background(&rng)
    var placed: [(x: Double, y: Double, r: Double)] = []
    var truth: [(box: FaceBox, landmarks: MorphImaging.FaceLandmarks, origin: String)] = []
    let count = Int.random(in: facesPerCanvas, using: &rng)
    for k in 0..<count {
      let face = !real.isEmpty && u(0, 1) < realShare
        ? real[Int.random(in: 0..<real.count, using: &rng)] : synthetic(index * 8 + k)
      let scale = u(faceWidths.lowerBound, faceWidths.upperBound) / face.box.width
      let angle = u(-maxRotation, maxRotation) * .pi / 180
      // The pasted region: an ellipse around the face, 1.9 × its box, feathered at the rim.
      let region = (rx: 0.95 * face.box.width, ry: 0.95 * face.box.height)
      let radius = Swift.max(region.rx, region.ry) * scale
      var spot: (x: Double, y: Double)?
      for _ in 0..<200 {
        let x = u(radius, Double(width) - radius), y = u(radius, Double(height) - radius)
        guard radius * 2 < Double(Swift.min(width, height)) else { break }
        if placed.allSatisfy({ Foundation.hypot($0.x - x, $0.y - y) > $0.r + radius + 4 }) {
          spot = (x, y)
          break
        }
      }
      guard let spot else { continue }
      placed.append((spot.x, spot.y, radius))
      let centre = ImagePoint(x: (face.box.x0 + face.box.x1) / 2, y: (face.box.y0 + face.box.y1) / 2)
      // source → canvas: p ↦ R·s·(p − centre) + spot
      let c = Foundation.cos(angle) * scale, s = Foundation.sin(angle) * scale
      func map(_ p: ImagePoint) -> ImagePoint {
        let dx = p.x - centre.x, dy = p.y - centre.y
        return ImagePoint(x: c * dx - s * dy + spot.x, y: s * dx + c * dy + spot.y)
      }
      paste(face, centre: centre, region: region, cos: c, sin: s, at: spot, radius: radius, into: &pixels)
      let w = face.box.width * scale, h = face.box.height * scale
      let l = face.landmarks
      truth.append(
        (
          FaceBox(x0: spot.x - w / 2, y0: spot.y - h / 2, x1: spot.x + w / 2, y1: spot.y + h / 2),
          MorphImaging.FaceLandmarks(
            leftEye: map(l.leftEye), rightEye: map(l.rightEye), nose: map(l.nose), leftMouth: map(l.leftMouth),
            rightMouth: map(l.rightMouth)),
          face.origin
        ))
    }
    return CollageCanvas(width: width, height: height, pixels: pixels, faces: truth)
  }

  /// A smooth, textured, face-free background: two low-frequency colour waves and fine noise.
  func background(_ rng: inout SplitMix64) -> [UInt8] {
    func u(_ lo: Double, _ hi: Double) -> Double { Double.random(in: lo...hi, using: &rng) }
    let base = (0..<3).map { _ in u(60, 200) }
    let amp = (0..<3).map { _ in u(10, 40) }
    let fx = u(0.004, 0.02), fy = u(0.004, 0.02), phase = u(0, 6.28)
    var noise = SplitMix64(seed: rng.next())
    var out = [UInt8](repeating: 0, count: width * height * 3)
    out.withUnsafeMutableBufferPointer { px in
      for y in 0..<height {
        for x in 0..<width {
          let wave = Foundation.sin(Double(x) * fx + phase) * Foundation.cos(Double(y) * fy)
          let grain = Double(noise.next() % 17) - 8
          for ch in 0..<3 {
            px[(y * width + x) * 3 + ch] = UInt8(clamping: Int((base[ch] + amp[ch] * wave + grain).rounded()))
          }
        }
      }
    }
    return out
  }

  /// Blends `face`'s elliptical region (bilinear samples) into the canvas around `spot`.
  func paste(
    _ face: AnnotatedFace, centre: ImagePoint, region: (rx: Double, ry: Double), cos c: Double, sin s: Double,
    at spot: (x: Double, y: Double), radius: Double, into pixels: inout [UInt8]
  ) {
    let det = c * c + s * s
    let x0 = Swift.max(0, Int(spot.x - radius) - 1), x1 = Swift.min(width - 1, Int(spot.x + radius) + 1)
    let y0 = Swift.max(0, Int(spot.y - radius) - 1), y1 = Swift.min(height - 1, Int(spot.y + radius) + 1)
    let fw = face.width, fh = face.height
    face.pixels.withUnsafeBufferPointer { src in
      pixels.withUnsafeMutableBufferPointer { dst in
        for y in y0...y1 {
          for x in x0...x1 {
            // canvas → source: the inverse of R·s.
            let dx = Double(x) - spot.x, dy = Double(y) - spot.y
            let sx = (c * dx + s * dy) / det, sy = (-s * dx + c * dy) / det
            let d = ((sx / region.rx) * (sx / region.rx) + (sy / region.ry) * (sy / region.ry)).squareRoot()
            let alpha = Swift.min(1, Swift.max(0, (1 - d) / 0.12))
            guard alpha > 0 else { continue }
            let u = Swift.min(Swift.max(sx + centre.x, 0), Double(fw - 1)), v = Swift.min(Swift.max(sy + centre.y, 0), Double(fh - 1))
            let ix = Swift.min(Int(u), fw - 2 < 0 ? 0 : fw - 2), iy = Swift.min(Int(v), fh - 2 < 0 ? 0 : fh - 2)
            let ax = u - Double(ix), ay = v - Double(iy)
            let ix1 = Swift.min(ix + 1, fw - 1), iy1 = Swift.min(iy + 1, fh - 1)
            for ch in 0..<3 {
              let p00 = Double(src[(iy * fw + ix) * 3 + ch]), p01 = Double(src[(iy * fw + ix1) * 3 + ch])
              let p10 = Double(src[(iy1 * fw + ix) * 3 + ch]), p11 = Double(src[(iy1 * fw + ix1) * 3 + ch])
              let value = (p00 * (1 - ax) + p01 * ax) * (1 - ay) + (p10 * (1 - ax) + p11 * ax) * ay
              let o = (y * width + x) * 3 + ch
              dst[o] = UInt8(clamping: Int((alpha * value + (1 - alpha) * Double(dst[o])).rounded()))
            }
          }
        }
      }
    }
  }
}
