import Foundation
import MorphCatalog

/// `morph runs diff A B`: what differs between two recorded runs — recipe, parameters,
/// outcome and metrics.
public enum RunComparison {
  /// A readable comparison of runs `a` and `b`.
  public static func diff(_ a: Int64, _ b: Int64, in catalog: Catalog) throws -> String {
    let ra = try catalog.run(id: a), rb = try catalog.run(id: b)
    var lines = ["run \(a) → run \(b)"]
    func row(_ label: String, _ x: String, _ y: String) {
      lines.append("  \(label.padding(toLength: 14, withPad: " ", startingAt: 0)) \(x)\(x == y ? "" : "  →  \(y)")")
    }
    row("recipe", ra.recipeName, rb.recipeName)
    row("recipe hash", String(ra.recipeHash.prefix(12)), String(rb.recipeHash.prefix(12)))
    row("status", ra.status.rawValue, rb.status.rawValue)
    row("items", String(ra.itemCount), String(rb.itemCount))
    row("version", ra.morphVersion, rb.morphVersion)
    row("host", ra.host, rb.host)
    func seconds(_ r: RunRecord) -> String {
      r.endedAt.map { String(format: "%.2f s", $0.timeIntervalSince(r.startedAt)) } ?? "unfinished"
    }
    row("duration", seconds(ra), seconds(rb))

    let pa = flatten(ra.parametersJSON), pb = flatten(rb.parametersJSON)
    let changed = Set(pa.keys).union(pb.keys).sorted().filter { pa[$0] != pb[$0] }
    lines.append(changed.isEmpty ? "parameters: identical (\(pa.count))" : "parameters (\(changed.count) differ):")
    for key in changed { lines.append("  \(key): \(pa[key] ?? "—") → \(pb[key] ?? "—")") }

    let ma = summarise(try catalog.metrics(runID: a)), mb = summarise(try catalog.metrics(runID: b))
    let names = Set(ma.keys).union(mb.keys).sorted()
    if names.isEmpty {
      lines.append("metrics: none recorded")
    } else {
      lines.append("metrics (mean over items; Δ = B − A):")
      for name in names {
        let x = ma[name], y = mb[name]
        var delta = ""
        if let x, let y { delta = String(format: "  Δ %+.4g", y - x) }
        lines.append("  \(name): \(format(x)) → \(format(y))\(delta)")
      }
    }
    return lines.joined(separator: "\n")
  }

  static func format(_ value: Double?) -> String { value.map(MetricSummary.format) ?? "—" }

  /// Metric means keyed `name` or `name [stage]`.
  static func summarise(_ metrics: [MetricRecord]) -> [String: Double] {
    Dictionary(
      uniqueKeysWithValues: MetricSummary.summarise(metrics).map { ($0.stage.isEmpty ? $0.name : "\($0.name) [\($0.stage)]", $0.mean) })
  }

  /// A JSON object's scalar members as text, nested keys joined by dots.
  static func flatten(_ json: String) -> [String: String] {
    guard let data = json.data(using: .utf8), let object = (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    else { return [:] }
    var out: [String: String] = [:]
    func walk(_ value: Any, _ path: String) {
      if let dict = value as? [String: Any] {
        for (k, v) in dict { walk(v, path.isEmpty ? k : "\(path).\(k)") }
      } else {
        out[path] = "\(value)"
      }
    }
    walk(object, "")
    return out
  }
}
