import MorphCatalog

/// "Did you mean" hints for misspelled names.
enum Suggest {
  /// ` (did you mean `x`?)`, or a list of valid names when none is close.
  static func hint(_ word: String, among candidates: [String]) -> String {
    if let near = NameSuggester.nearest(to: word, among: candidates) { return " (did you mean `\(near)`?)" }
    let shown = candidates.sorted().prefix(12)
    return shown.isEmpty ? "" : " (expected one of: \(shown.joined(separator: ", ")))"
  }
}
