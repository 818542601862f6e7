import Foundation
import MorphImaging

/// Writes an `EvaluationReport` as `metrics.json`, `metrics.csv`, `pairs.csv` (with an oracle),
/// PNG plots and a sample sheet.
public enum EvalReportWriter {
  public static func write(
    _ report: EvaluationReport, samples: InterpolationEvaluation.Samples, sources: [EvalImage], references: [EvalImage],
    to directory: URL
  ) throws {
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(encoder.encode(report), to: directory.appendingPathComponent("metrics.json"))
    try AtomicFile.write(csv(report), to: directory.appendingPathComponent("metrics.csv"))
    if report.methods.contains(where: { $0.pairs != nil }) {
      try AtomicFile.write(pairsCSV(report), to: directory.appendingPathComponent("pairs.csv"))
    }

    let s = report.strengths
    // Capped PSNRs (identical images) are left out so they do not flatten the curves.
    func series(_ name: String, _ values: [Double?]) -> LinePlot.Series {
      LinePlot.Series(
        name: name, points: zip(s, values).compactMap { x, y in y.flatMap { $0 < ImageMetrics.maxPSNR ? (x, $0) : nil } })
    }
    try LinePlot(
      title: "Distance to the true intermediate (whole image)", xLabel: "strength", yLabel: "PSNR (dB)",
      series: report.methods.filter { $0.method != "truth" }.map { series($0.method, $0.overall.truthPSNR) }
    ).write(to: directory.appendingPathComponent("truth_psnr"))
    try LinePlot(
      title: "Distance to the true intermediate (edited region)", xLabel: "strength", yLabel: "PSNR (dB)",
      series: report.methods.filter { $0.method != "truth" }.map { series($0.method, $0.overall.regionPSNR) }
    ).write(to: directory.appendingPathComponent("region_psnr"))
    if report.oracle != nil {
      for method in report.methods {
        try LinePlot(
          title: "Oracle group score vs strength: \(method.method)", xLabel: "strength",
          yLabel: "progress toward reference", series: method.groups.map { series($0.group, $0.progress) }, diagonal: true
        ).write(to: directory.appendingPathComponent("score_\(method.method)"))
      }
    }
    // Sample sheet: per pair, one row per method: source, outputs at each strength, reference.
    var rows: [[EvalImage]] = []
    for (k, perMethod) in samples.enumerated() where k < sources.count {
      for outputs in perMethod { rows.append([sources[k]] + outputs + [references[k]]) }
    }
    try SampleSheet.write(rows, to: directory.appendingPathComponent("samples.png"))
  }

  /// One row per (method, pair): what the oracle read at strength 1, so failed edits can be
  /// found and looked at: `method,pair,group,source,reference,edit_success,not_transferred,not_preserved`
  /// (attribute lists joined by spaces; edit_success empty when no group attribute differs).
  public static func pairsCSV(_ report: EvaluationReport) -> String {
    var out = "method,pair,group,source,reference,edit_success,not_transferred,not_preserved\n"
    for method in report.methods {
      for p in method.pairs ?? [] {
        let success = p.editSuccess.map { $0 ? "1" : "0" } ?? ""
        out += "\(method.method),\(p.pair),\(p.group),\(p.source),\(p.reference),\(success),"
        out += p.notTransferred.joined(separator: " ") + "," + p.notPreserved.joined(separator: " ") + "\n"
      }
    }
    return out
  }

  /// One row per (method, group, metric, strength): `method,group,metric,strength,value`.
  public static func csv(_ report: EvaluationReport) -> String {
    var out = "method,group,metric,strength,value\n"
    func row(_ m: String, _ g: String, _ metric: String, _ v: Double?, strength: Double? = nil) {
      guard let v else { return }
      out += "\(m),\(g),\(metric),\(strength.map { String($0) } ?? ""),\(String(format: "%.6g", v))\n"
    }
    for method in report.methods {
      for g in [method.overall] + method.groups {
        let m = method.method
        row(m, g.group, "pairs", Double(g.pairs))
        row(m, g.group, "transfer", g.transfer)
        row(m, g.group, "preservation", g.preservation)
        row(m, g.group, "transfer_pairs", g.transferPairs)
        row(m, g.group, "preservation_pairs", g.preservationPairs)
        row(m, g.group, "edit_success", g.editSuccess)
        row(m, g.group, "linearity_r2", g.linearityR2)
        row(m, g.group, "line_deviation", g.lineDeviation)
        row(m, g.group, "reach", g.reach)
        row(m, g.group, "pps", g.pps)
        row(m, g.group, "pps_efficiency", g.ppsEfficiency)
        row(m, g.group, "pps_equality", g.ppsEquality)
        row(m, g.group, "recon_psnr", g.reconPSNR)
        row(m, g.group, "recon_ssim", g.reconSSIM)
        row(m, g.group, "recon_attributes", g.reconAttributes)
        row(m, g.group, "recon_attribute_pairs", g.reconAttributePairs)
        for (name, v) in (g.preservationByAttribute ?? [:]).sorted(by: { $0.key < $1.key }) {
          row(m, g.group, "preservation_\(name)", v)
        }
        for (name, v) in (g.transferByAttribute ?? [:]).sorted(by: { $0.key < $1.key }) {
          row(m, g.group, "transfer_\(name)", v)
        }
        for (name, v) in (g.reconByAttribute ?? [:]).sorted(by: { $0.key < $1.key }) {
          row(m, g.group, "recon_\(name)", v)
        }
        for (i, v) in report.strengths.enumerated() {
          row(m, g.group, "truth_psnr", g.truthPSNR[i], strength: v)
          row(m, g.group, "truth_ssim", g.truthSSIM[i], strength: v)
          row(m, g.group, "region_psnr", g.regionPSNR[i], strength: v)
          row(m, g.group, "region_ssim", g.regionSSIM[i], strength: v)
          row(m, g.group, "progress", g.progress[i], strength: v)
        }
      }
    }
    return out
  }

  /// A fixed-width summary table of the overall metrics, one line per method.
  public static func summary(_ report: EvaluationReport) -> String {
    func f(_ v: Double?, _ format: String = "%.3f") -> String { v.map { String(format: format, $0) } ?? "—" }
    let mid = report.strengths.firstIndex { $0 >= 0.5 } ?? 0
    var out = String(format: "%d pairs, strengths %@, oracle: %@\n", report.pairs,
      report.strengths.map { String($0) }.joined(separator: ","), report.oracle ?? "none (oracle metrics not computed)")
    out += "method             recon dB  truth dB@\(report.strengths[mid])  region dB@\(report.strengths[mid])  SSIM@\(report.strengths[mid])  transfer  preserve  edit-ok  R2     dev    reach  PPS    kept@0\n"
    for m in report.methods {
      let g = m.overall
      out += m.method.padding(toLength: 18, withPad: " ", startingAt: 0)
      out += " " + f(g.reconPSNR, "%8.2f") + "  " + f(g.truthPSNR[mid], "%12.2f") + "  " + f(g.regionPSNR[mid], "%13.2f")
      out += "  " + f(g.truthSSIM[mid], "%7.3f") + "  " + f(g.transfer, "%8.3f") + "  " + f(g.preservation, "%8.3f")
      out += "  " + f(g.editSuccess, "%7.3f") + "  " + f(g.linearityR2, "%5.3f") + "  " + f(g.lineDeviation, "%5.3f")
      out += "  " + f(g.reach, "%5.3f") + "  " + f(g.pps, "%5.3f") + "  " + f(g.reconAttributePairs, "%6.3f") + "\n"
    }
    return out
  }

  /// Per attribute group of `method`: pair-level transfer and preservation (an edit succeeds
  /// when both hold on the same pair), edit success, kept@0, reach, and the attribute an edit
  /// of the group most often flips and the one of its own it most often fails to carry — where
  /// a method's edit success is lost.
  public static func groupSummary(_ report: EvaluationReport, method: String) -> String {
    guard let m = report.methods.first(where: { $0.method == method }) else { return "" }
    func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "—" }
    func worst(_ rates: [String: Double]?) -> String {
      guard let (name, rate) = rates?.min(by: { ($0.value, $0.key) < ($1.value, $1.key) }), rate < 1 else { return "—" }
      return String(format: "%@ %.2f", name, 1 - rate)
    }
    var out = "by group (\(method); transfer and preserve per pair, then the attribute most often flipped / not carried):\n"
    out += "group         pairs  transfer  preserve  edit-ok  kept@0  reach  flipped / not carried\n"
    for g in m.groups {
      out += g.group.padding(toLength: 12, withPad: " ", startingAt: 0) + String(format: "  %5d", g.pairs)
      out += "  " + f(g.transferPairs, "%8.3f") + "  " + f(g.preservationPairs, "%8.3f") + "  " + f(g.editSuccess, "%7.3f")
      out += "  " + f(g.reconAttributePairs, "%6.3f") + "  " + f(g.reach, "%5.3f")
      out += "  " + worst(g.preservationByAttribute) + " / " + worst(g.transferByAttribute) + "\n"
    }
    return out
  }
}
