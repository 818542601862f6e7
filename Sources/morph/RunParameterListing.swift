import Foundation
import MorphPipeline

/// A run's parameters as `morph runs show` prints them: one `name: value` line each, the
/// recipe's own (`strength.expression`, `output` …) first. Every stage's filled-in parameters
/// (`edit.checkpoint` …, keyed `<stage>.<name>`) are listed only on request — a recipe of
/// twenty stages has hundreds, which buried the rest of the page.
enum RunParameterListing {
  /// The lines for a run's stored parameters; `recipeText` (the run's recipe) tells the
  /// recipe's parameters from its stages' (all are shown as the recipe's if it no longer parses).
  static func lines(_ json: String, recipeText: String, all: Bool) -> [String] {
    guard let object = try? JSONDecoder().decode([String: StoredValue].self, from: Data(json.utf8)) else {
      return ["parameters: \(json)"]
    }
    guard !object.isEmpty else { return ["parameters: none"] }
    let recipe = try? RecipeParser.parse(recipeText, file: "recipe")
    let recipeNames = Set(recipe?.params.map(\.name) ?? [])
    let stageIDs = Set(recipe?.stages.map(\.id.value) ?? [])
    func isStage(_ key: String) -> Bool {
      guard !recipeNames.contains(key), let dot = key.firstIndex(of: ".") else { return false }
      return stageIDs.contains(String(key[..<dot]))
    }
    let recipeKeys = object.keys.filter { !isStage($0) }.sorted()
    let stageKeys = object.keys.filter(isStage).sorted()
    let shown = all ? recipeKeys + stageKeys : recipeKeys
    let width = shown.map(\.count).max() ?? 0
    var lines = ["parameters:"]
    for key in shown {
      lines.append("  " + key.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + (object[key]?.description ?? ""))
    }
    if !all && !stageKeys.isEmpty {
      lines.append("  (and \(stageKeys.count) stage parameters, as each stage got them: --all-parameters)")
    }
    return lines
  }

  /// One stored parameter value, printed as a recipe would write it.
  enum StoredValue: Decodable, CustomStringConvertible {
    case bool(Bool), number(Double), string(String), null

    init(from decoder: Decoder) throws {
      let single = try decoder.singleValueContainer()
      if single.decodeNil() { self = .null }
      else if let b = try? single.decode(Bool.self) { self = .bool(b) }
      else if let n = try? single.decode(Double.self) { self = .number(n) }
      else { self = .string(try single.decode(String.self)) }
    }

    var description: String {
      switch self {
      case .bool(let b): return b ? "true" : "false"
      case .number(let n): return n == n.rounded() && abs(n) < 1e15 ? String(Int64(n)) : String(n)
      case .string(let s): return s.isEmpty ? "\"\"" : s
      case .null: return "null"
      }
    }
  }
}
