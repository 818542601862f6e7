import Foundation

/// Full-reference image quality measures over `EvalImage`s of equal size.
public enum ImageMetrics {
  /// PSNR is capped here: identical images would otherwise give +∞, which JSON cannot carry.
  public static let maxPSNR = 100.0

  /// Peak signal-to-noise ratio in dB (peak 1), over all pixels or only where `mask` is true.
  /// Returns nil when the mask selects no pixel.
  public static func psnr(_ a: EvalImage, _ b: EvalImage, mask: [Bool]? = nil) -> Double? {
    precondition(a.width == b.width && a.height == b.height, "psnr: image sizes differ")
    var sum = 0.0
    var n = 0
    a.pixels.withUnsafeBufferPointer { pa in
      b.pixels.withUnsafeBufferPointer { pb in
        for p in 0..<(a.width * a.height) where mask?[p] ?? true {
          for c in 0..<3 {
            let d = Double(pa[p * 3 + c] - pb[p * 3 + c])
            sum += d * d
          }
          n += 3
        }
      }
    }
    guard n > 0 else { return nil }
    let mse = sum / Double(n)
    return mse <= 0 ? maxPSNR : min(maxPSNR, 10 * log10(1 / mse))
  }

  /// Structural similarity (Wang et al. 2004) on luma with an 11-tap Gaussian window (σ 1.5),
  /// K1 = 0.01, K2 = 0.03, peak 1: the mean of the SSIM map over all pixels or the masked ones.
  /// Returns nil when the mask selects no pixel.
  public static func ssim(_ a: EvalImage, _ b: EvalImage, mask: [Bool]? = nil) -> Double? {
    mean(ssimMap(a, b), mask: mask)
  }

  /// Mean of `values` over the pixels `mask` selects (all when nil); nil when none.
  public static func mean(_ values: [Double], mask: [Bool]? = nil) -> Double? {
    var total = 0.0
    var n = 0
    for i in values.indices where mask?[i] ?? true {
      total += values[i]
      n += 1
    }
    return n > 0 ? total / Double(n) : nil
  }

  /// The per-pixel SSIM map (see `ssim`), so whole-image and regional means share one pass.
  public static func ssimMap(_ a: EvalImage, _ b: EvalImage) -> [Double] {
    precondition(a.width == b.width && a.height == b.height, "ssim: image sizes differ")
    let w = a.width, h = a.height
    let x = luma(a), y = luma(b)
    var xx = [Double](repeating: 0, count: w * h), yy = xx, xy = xx
    for i in 0..<(w * h) {
      xx[i] = x[i] * x[i]
      yy[i] = y[i] * y[i]
      xy[i] = x[i] * y[i]
    }
    let mx = blur(x, w, h), my = blur(y, w, h)
    let sxx = blur(xx, w, h), syy = blur(yy, w, h), sxy = blur(xy, w, h)
    let c1 = 0.01 * 0.01, c2 = 0.03 * 0.03
    return (0..<(w * h)).map { i in
      let ux: Double = mx[i], uy: Double = my[i]
      let vx: Double = sxx[i] - ux * ux
      let vy: Double = syy[i] - uy * uy
      let cov: Double = sxy[i] - ux * uy
      let numerator: Double = (2 * ux * uy + c1) * (2 * cov + c2)
      let denominator: Double = (ux * ux + uy * uy + c1) * (vx + vy + c2)
      return numerator / denominator
    }
  }

  /// Pixels where `a` and `b` differ by more than `threshold` in any channel.
  public static func differenceMask(_ a: EvalImage, _ b: EvalImage, threshold: Float = 0.02) -> [Bool] {
    precondition(a.width == b.width && a.height == b.height, "differenceMask: image sizes differ")
    return (0..<(a.width * a.height)).map { p in
      (0..<3).contains { abs(a.pixels[p * 3 + $0] - b.pixels[p * 3 + $0]) > threshold }
    }
  }

  /// Rec. 601 luma.
  static func luma(_ image: EvalImage) -> [Double] {
    (0..<(image.width * image.height)).map { (p: Int) -> Double in
      let r = Double(image.pixels[p * 3]), g = Double(image.pixels[p * 3 + 1]), b = Double(image.pixels[p * 3 + 2])
      return 0.299 * r + 0.587 * g + 0.114 * b
    }
  }

  /// The normalised 11-tap Gaussian (σ 1.5).
  static let gaussian: [Double] = {
    let raw = (-5...5).map { exp(-Double($0 * $0) / (2 * 1.5 * 1.5)) }
    let sum = raw.reduce(0, +)
    return raw.map { $0 / sum }
  }()

  /// Separable Gaussian blur; the window is renormalised at the borders.
  static func blur(_ v: [Double], _ w: Int, _ h: Int) -> [Double] {
    var tmp = [Double](repeating: 0, count: w * h), out = tmp
    let g = gaussian
    for y in 0..<h {
      for x in 0..<w {
        var s = 0.0, ws = 0.0
        for k in -5...5 where x + k >= 0 && x + k < w {
          s += g[k + 5] * v[y * w + x + k]
          ws += g[k + 5]
        }
        tmp[y * w + x] = s / ws
      }
    }
    for y in 0..<h {
      for x in 0..<w {
        var s = 0.0, ws = 0.0
        for k in -5...5 where y + k >= 0 && y + k < h {
          s += g[k + 5] * tmp[(y + k) * w + x]
          ws += g[k + 5]
        }
        out[y * w + x] = s / ws
      }
    }
    return out
  }
}
