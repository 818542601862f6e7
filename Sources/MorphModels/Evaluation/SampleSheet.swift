import Foundation
import MorphImaging

/// A grid of equally sized images with a gap between cells, written as one PNG.
public enum SampleSheet {
  /// `rows[r][c]` at row r, column c; rows may have different lengths (the rest stays white).
  public static func compose(_ rows: [[EvalImage]], gap: Int = 2) -> EvalImage? {
    guard let first = rows.first(where: { !$0.isEmpty })?.first else { return nil }
    let w = first.width, h = first.height
    let columns = rows.map(\.count).max() ?? 0
    let width = columns * w + (columns + 1) * gap, height = rows.count * h + (rows.count + 1) * gap
    var pixels = [Float](repeating: 1, count: width * height * 3)
    for (r, row) in rows.enumerated() {
      for (c, image) in row.enumerated() where image.width == w && image.height == h {
        let ox = gap + c * (w + gap), oy = gap + r * (h + gap)
        for y in 0..<h {
          let src = y * w * 3, dst = ((oy + y) * width + ox) * 3
          pixels.replaceSubrange(dst..<(dst + w * 3), with: image.pixels[src..<(src + w * 3)])
        }
      }
    }
    return EvalImage(width: width, height: height, pixels: pixels)
  }

  /// Composes and saves (format from the suffix).
  public static func write(_ rows: [[EvalImage]], to url: URL) throws {
    guard let sheet = compose(rows) else { return }
    try VipsImage(pixels: sheet.bytes, width: sheet.width, height: sheet.height).save(to: url)
  }
}
