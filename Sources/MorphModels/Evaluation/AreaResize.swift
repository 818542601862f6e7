import Foundation

/// Box-filter (area-average) resampling of `EvalImage`s: each output pixel is the mean of the
/// input area it covers, partial pixels weighted by their overlap.
public enum AreaResize {
  public static func resize(_ image: EvalImage, width: Int, height: Int) -> EvalImage {
    if image.width == width && image.height == height { return image }
    let sx = Double(image.width) / Double(width), sy = Double(image.height) / Double(height)
    // Per output column/row: the input indices it overlaps and their weights.
    func spans(_ count: Int, _ scale: Double, _ limit: Int) -> [[(Int, Double)]] {
      (0..<count).map { o in
        let a = Double(o) * scale, b = Double(o + 1) * scale
        var list: [(Int, Double)] = []
        var i = Int(a)
        while Double(i) < b && i < limit {
          let overlap = min(b, Double(i + 1)) - max(a, Double(i))
          if overlap > 0 { list.append((i, overlap / scale)) }
          i += 1
        }
        return list
      }
    }
    let xs = spans(width, sx, image.width), ys = spans(height, sy, image.height)
    var out = [Float](repeating: 0, count: width * height * 3)
    image.pixels.withUnsafeBufferPointer { src in
      for oy in 0..<height {
        for ox in 0..<width {
          var r = 0.0, g = 0.0, b = 0.0
          for (iy, wy) in ys[oy] {
            for (ix, wx) in xs[ox] {
              let w = wx * wy, i = (iy * image.width + ix) * 3
              r += w * Double(src[i])
              g += w * Double(src[i + 1])
              b += w * Double(src[i + 2])
            }
          }
          let o = (oy * width + ox) * 3
          out[o] = Float(r)
          out[o + 1] = Float(g)
          out[o + 2] = Float(b)
        }
      }
    }
    return EvalImage(width: width, height: height, pixels: out)
  }
}
