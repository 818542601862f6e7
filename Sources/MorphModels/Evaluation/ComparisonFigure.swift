import Foundation
import MorphImaging

/// The figure of `morph eval compare`: for each sample pair, one row per method (source,
/// outputs at each strength, reference), labelled, as one PNG.
public enum ComparisonFigure {
  public static func write(
    methods: [String], strengths: [Double], samples: InterpolationEvaluation.Samples, sources: [EvalImage],
    references: [EvalImage], to url: URL
  ) throws {
    var tiles: [VipsImage?] = []
    var labels: [String] = []
    for (k, perMethod) in samples.enumerated() where k < sources.count && k < references.count {
      for (m, outputs) in perMethod.enumerated() where m < methods.count {
        labels.append("pair \(k + 1): \(methods[m])")
        for image in [sources[k]] + outputs + [references[k]] {
          tiles.append(try VipsImage(pixels: image.bytes, width: image.width, height: image.height))
        }
      }
    }
    guard !labels.isEmpty else { return }
    let columns = strengths.count + 2
    let sheet = ContactSheet(
      rows: labels.count, columns: columns, rowLabels: labels,
      columnLabels: ["source"] + strengths.map { String(format: "v = %g", $0) } + ["reference"],
      title: "Interpolation paths by method (rows) and strength (columns)")
    try sheet.render(tiles).save(to: url)
  }
}
