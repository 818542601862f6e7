import Foundation
import MorphImaging

/// A small line chart drawn as SVG and rasterised to PNG by libvips (librsvg).
public struct LinePlot {
  public struct Series {
    public var name: String
    public var points: [(x: Double, y: Double)]
    public init(name: String, points: [(x: Double, y: Double)]) {
      self.name = name
      self.points = points
    }
  }

  public var title: String
  public var xLabel: String
  public var yLabel: String
  public var series: [Series]
  /// A dashed reference line y = x (for progress plots).
  public var diagonal = false

  public init(title: String, xLabel: String, yLabel: String, series: [Series], diagonal: Bool = false) {
    self.title = title
    self.xLabel = xLabel
    self.yLabel = yLabel
    self.series = series
    self.diagonal = diagonal
  }

  static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#7f7f7f"]

  /// The chart as an SVG document.
  public func svg(width: Int = 560, height: Int = 360) -> String {
    let left = 60.0, right = 150.0, top = 36.0, bottom = 48.0
    let pw = Double(width) - left - right, ph = Double(height) - top - bottom
    let xs: [Double] = series.flatMap { $0.points.map { $0.x } }
    var ys: [Double] = series.flatMap { $0.points.map { $0.y } }
    if diagonal { ys += [0, 1] }
    let x0: Double = xs.min() ?? 0
    let x1: Double = Swift.max(xs.max() ?? 1, x0 + 1e-9)
    var y0: Double = ys.min() ?? 0
    var y1: Double = ys.max() ?? 1
    if y1 - y0 < 1e-9 { y0 -= 0.5; y1 += 0.5 }
    let pad = (y1 - y0) * 0.05
    y0 -= pad
    y1 += pad
    let yLow = y0, ySpan = y1 - y0
    func px(_ x: Double) -> Double { left + (x - x0) / (x1 - x0) * pw }
    func py(_ y: Double) -> Double { top + (1 - (y - yLow) / ySpan) * ph }
    func esc(_ s: String) -> String {
      s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
    var out = """
      <svg xmlns="http://www.w3.org/2000/svg" width="\(width)" height="\(height)" font-family="sans-serif" font-size="12">
      <rect width="100%" height="100%" fill="white"/>
      <text x="\(left)" y="22" font-size="14">\(esc(title))</text>
      <rect x="\(left)" y="\(top)" width="\(pw)" height="\(ph)" fill="none" stroke="#444"/>

      """
    for k in 0...4 {
      let yv = y0 + (y1 - y0) * Double(k) / 4, xv = x0 + (x1 - x0) * Double(k) / 4
      out += "<line x1=\"\(left)\" y1=\"\(py(yv))\" x2=\"\(left + pw)\" y2=\"\(py(yv))\" stroke=\"#ddd\"/>\n"
      out += "<text x=\"\(left - 6)\" y=\"\(py(yv) + 4)\" text-anchor=\"end\">\(String(format: "%.3g", yv))</text>\n"
      out += "<text x=\"\(px(xv))\" y=\"\(top + ph + 16)\" text-anchor=\"middle\">\(String(format: "%.3g", xv))</text>\n"
    }
    out += "<text x=\"\(left + pw / 2)\" y=\"\(Double(height) - 10)\" text-anchor=\"middle\">\(esc(xLabel))</text>\n"
    out += "<text x=\"16\" y=\"\(top + ph / 2)\" text-anchor=\"middle\" transform=\"rotate(-90 16 \(top + ph / 2))\">\(esc(yLabel))</text>\n"
    if diagonal {
      out += "<line x1=\"\(px(x0))\" y1=\"\(py(x0))\" x2=\"\(px(x1))\" y2=\"\(py(x1))\" stroke=\"#888\" stroke-dasharray=\"5,4\"/>\n"
    }
    for (i, s) in series.enumerated() where !s.points.isEmpty {
      let colour = Self.palette[i % Self.palette.count]
      let pts = s.points.map { String(format: "%.1f,%.1f", px($0.x), py($0.y)) }.joined(separator: " ")
      out += "<polyline points=\"\(pts)\" fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
      for p in s.points {
        out += String(format: "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\" fill=\"%@\"/>\n", px(p.x), py(p.y), colour)
      }
      let ly = top + 10 + Double(i) * 18
      out += "<line x1=\"\(left + pw + 12)\" y1=\"\(ly)\" x2=\"\(left + pw + 32)\" y2=\"\(ly)\" stroke=\"\(colour)\" stroke-width=\"2\"/>\n"
      out += "<text x=\"\(left + pw + 38)\" y=\"\(ly + 4)\">\(esc(s.name))</text>\n"
    }
    return out + "</svg>\n"
  }

  /// Writes `<base>.svg` and its PNG rendering `<base>.png`.
  public func write(to base: URL) throws {
    let text = svg()
    try AtomicFile.write(text, to: base.appendingPathExtension("svg"))
    try VipsImage.renderedSVG(text).save(to: base.appendingPathExtension("png"))
  }
}
