import Foundation

/// The side-by-side table of `morph eval compare`: one row per method, the harness's six
/// metric families as columns, plus per-strength and per-group breakdowns.
public struct ComparisonTable: Codable, Sendable {
  /// One method's headline numbers (overall over all pairs).
  public struct Row: Codable, Sendable {
    public var method: String
    /// True for the identity (floor) and truth (ceiling) reference rows.
    public var reference: Bool
    public var editSuccess: Double?
    public var transfer: Double?
    public var preservation: Double?
    public var linearityR2: Double?
    public var lineDeviation: Double?
    public var reach: Double?
    public var pps: Double?
    public var reconPSNR: Double
    /// Per strength (same order as `strengths`).
    public var truthPSNR: [Double]
    public var regionPSNR: [Double?]
    public var truthSSIM: [Double]
    /// Edit success per group name.
    public var editSuccessByGroup: [String: Double?]
  }

  public var data: String
  public var pairs: Int
  public var groups: [String]
  public var strengths: [Double]
  public var oracle: String?
  public var rows: [Row]

  public static let referenceMethods: Set<String> = ["identity", "truth"]

  public init(report: EvaluationReport, groups: [String]) {
    data = report.data
    pairs = report.pairs
    self.groups = groups
    strengths = report.strengths
    oracle = report.oracle
    rows = report.methods.map { m in
      let g = m.overall
      return Row(
        method: m.method, reference: Self.referenceMethods.contains(m.method), editSuccess: g.editSuccess,
        transfer: g.transfer, preservation: g.preservation, linearityR2: g.linearityR2, lineDeviation: g.lineDeviation,
        reach: g.reach, pps: g.pps, reconPSNR: g.reconPSNR, truthPSNR: g.truthPSNR, regionPSNR: g.regionPSNR,
        truthSSIM: g.truthSSIM,
        editSuccessByGroup: Dictionary(uniqueKeysWithValues: m.groups.map { ($0.group, $0.editSuccess) }))
    }
  }

  /// The strength column closest to ½ (where interpolation paths differ most).
  var middle: Int { strengths.enumerated().min { abs($0.element - 0.5) < abs($1.element - 0.5) }?.offset ?? 0 }

  /// Markdown: the headline table, truth distance per strength, edit success per group.
  /// The best non-reference value of each column is bold.
  public var markdown: String {
    func f(_ v: Double?, _ format: String) -> String { v.map { String(format: format, $0) } ?? "—" }
    let candidates = rows.filter { !$0.reference }
    func cells(_ values: [Double?], higherIsBetter: Bool, _ format: String) -> [String] {
      let best = zip(rows, values).filter { !$0.0.reference }.compactMap(\.1).max { higherIsBetter ? $0 < $1 : $0 > $1 }
      return zip(rows, values).map { row, v in
        let s = f(v, format)
        return !row.reference && candidates.count > 1 && v != nil && v == best ? "**\(s)**" : s
      }
    }
    func table(_ header: [String], _ columns: [[String]]) -> String {
      var out = "| " + header.joined(separator: " | ") + " |\n"
      out += "|" + header.map { _ in " --- " }.joined(separator: "|") + "|\n"
      for (r, row) in rows.enumerated() {
        let name = row.reference ? "_\(row.method)_ (reference)" : row.method
        out += "| " + ([name] + columns.map { $0[r] }).joined(separator: " | ") + " |\n"
      }
      return out
    }
    let m = middle, mid = String(format: "%g", strengths[m])
    var out = "\(pairs) held-out pairs (\(groups.isEmpty ? "all groups" : groups.joined(separator: ", "))) of \(data); "
    out += "strengths \(strengths.map { String(format: "%g", $0) }.joined(separator: ", ")); oracle: \(oracle ?? "none")\n\n"
    out += table(
      ["method", "edit success", "transfer", "preservation", "linearity R²", "reach", "line dev.", "PPS", "recon dB",
       "truth dB @\(mid)", "region dB @\(mid)"],
      [
        cells(rows.map(\.editSuccess), higherIsBetter: true, "%.3f"),
        cells(rows.map(\.transfer), higherIsBetter: true, "%.3f"),
        cells(rows.map(\.preservation), higherIsBetter: true, "%.3f"),
        cells(rows.map(\.linearityR2), higherIsBetter: true, "%.3f"),
        cells(rows.map(\.reach), higherIsBetter: true, "%.3f"),
        cells(rows.map(\.lineDeviation), higherIsBetter: false, "%.3f"),
        cells(rows.map(\.pps), higherIsBetter: true, "%.3f"),
        cells(rows.map { $0.reconPSNR }, higherIsBetter: true, "%.2f"),
        cells(rows.map { $0.truthPSNR[m] }, higherIsBetter: true, "%.2f"),
        cells(rows.map { $0.regionPSNR[m] }, higherIsBetter: true, "%.2f"),
      ])
    out += "\nDistance to the true intermediate over the edited region (PSNR dB) by strength:\n\n"
    out += table(
      ["method"] + strengths.map { String(format: "v = %g", $0) },
      strengths.indices.map { i in cells(rows.map { $0.regionPSNR[i] }, higherIsBetter: true, "%.2f") })
    let seen = groups.isEmpty ? ToyFaceAttribute.modelledGroups.map(\.name) : groups
    let present = seen.filter { g in rows.contains { $0.editSuccessByGroup[g] != nil } }
    if oracle != nil && present.count > 1 {
      out += "\nEdit success by group:\n\n"
      out += table(["method"] + present, present.map { g in cells(rows.map { $0.editSuccessByGroup[g] ?? nil }, higherIsBetter: true, "%.3f") })
    }
    return out
  }
}
