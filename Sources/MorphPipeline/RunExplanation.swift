import Foundation
import MorphCatalog

/// Why each stage ran, reused or skipped one item in a recorded run (`morph explain`).
public enum RunExplanation {
  /// Text explaining item `item` (its id, e.g. a file name) of run `runID`.
  public static func explain(runID: Int64, item: String, in catalog: Catalog) throws -> String {
    let run = try catalog.run(id: runID)
    let results = try catalog.stageResults(runID: runID)
    // A photo's faces (`photo.jpg#0`, made by an expanding stage) belong to its explanation.
    let mine = results.filter {
      $0.item == item || $0.item.hasSuffix("/" + item) || parentItemID($0.item) == item
        || parentItemID($0.item).hasSuffix("/" + item)
    }
    guard !mine.isEmpty else {
      let items = Array(Set(results.map(\.item))).sorted()
      if let near = NameSuggester.nearest(to: item, among: items) {
        throw CatalogError.notFound(kind: "item in run \(runID)", name: "\(item) (did you mean `\(near)`?)")
      }
      return "run \(runID) (\(run.recipeName), \(run.status.rawValue)), item \(item): no stage processed it — "
        + "every result it feeds into was already cached, so nothing had to run (or it is not an input of this recipe)"
    }
    var lines = ["run \(runID) (\(run.recipeName), \(run.status.rawValue)), item \(item):"]
    for r in mine {
      let key = String(r.cacheKey.prefix(16))
      switch r.status {
      case .ok:
        let label = r.item == item ? r.stage : "\(r.stage) [\(r.item)]"
        lines.append(
          "  \(label): ran in \(String(format: "%.3f", r.durationSeconds)) s — no result was cached under key \(key)… "
            + "(new input content, parameters, stage version or model; or not cached by this stage)"
            + (r.error.map { " — \($0)" } ?? ""))
      case .cached:
        let origin = try catalog.cachedResult(forKey: r.cacheKey)
        let from = origin.map { $0.status == .ok && $0.runID != runID ? ", computed in run \($0.runID)" : "" } ?? ""
        let label = r.item == item ? r.stage : "\(r.stage) [\(r.item)]"
        lines.append("  \(label): skipped — result reused from the cache (key \(key)…\(from))" + (r.error.map { " — \($0)" } ?? ""))
      case .failed:
        let label = r.item == item ? r.stage : "\(r.stage) [\(r.item)]"
        lines.append("  \(label): FAILED — \(r.error ?? "no message")")
      case .skipped:
        lines.append("  \(r.stage): skipped — \(r.error ?? "not needed")")
      }
    }
    let stagesSeen = Set(mine.map(\.stage))
    let others = Array(Set(results.map(\.stage)).subtracting(stagesSeen)).sorted()
    if !others.isEmpty {
      lines.append(
        "  not run for this item: \(others.joined(separator: ", ")) (per-item results were cached further down, "
          + "an earlier stage failed, or the stage combines all items)")
    }
    return lines.joined(separator: "\n")
  }
}
