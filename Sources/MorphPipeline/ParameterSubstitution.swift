import Foundation

/// Expands `${params.NAME}` and `${recipe_dir}` references in `with:` values.
enum ParameterSubstitution {
  /// The reference to the folder the recipe file is in, so a recipe's defaults can point at
  /// files beside it (`${recipe_dir}/../Fixtures/…`) whatever the working directory.
  static let recipeDirectory = "${recipe_dir}"

  /// `text` with `${recipe_dir}` replaced by `directory`.
  static func expandRecipeDirectory(_ text: String, directory: String) -> String {
    text.replacingOccurrences(of: recipeDirectory, with: directory)
  }

  /// Replaces each `${params.NAME}` in `text` by the parameter's value and `${recipe_dir}` by
  /// `recipeDirectory`; fails with the first name that is not a recipe parameter.
  static func expand(_ text: String, params: [String: ParameterValue], recipeDirectory: String = ".")
    -> Result<String, UnknownReference>
  {
    var out = ""
    var rest = Substring(text)
    while let open = rest.range(of: "${") {
      out += rest[..<open.lowerBound]
      guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
        return .failure(UnknownReference(name: String(rest[open.lowerBound...]), malformed: true))
      }
      let reference = rest[open.upperBound..<close].trimmingCharacters(in: .whitespaces)
      if reference == "recipe_dir" {
        out += recipeDirectory
        rest = rest[rest.index(after: close)...]
        continue
      }
      guard reference.hasPrefix("params.") else {
        return .failure(UnknownReference(name: reference, malformed: true))
      }
      let name = String(reference.dropFirst("params.".count))
      guard let value = params[name] else { return .failure(UnknownReference(name: name, malformed: false)) }
      out += value.description
      rest = rest[rest.index(after: close)...]
    }
    out += rest
    return .success(out)
  }

  /// The NAME when `text` is exactly one `${params.NAME}` reference, else nil.
  static func soleParameter(_ text: String) -> String? {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    guard trimmed.hasPrefix("${params."), trimmed.hasSuffix("}") else { return nil }
    let name = trimmed.dropFirst("${params.".count).dropLast()
    guard !name.isEmpty, !name.contains("}"), !name.contains("$") else { return nil }
    return String(name).trimmingCharacters(in: .whitespaces)
  }

  struct UnknownReference: Error {
    var name: String
    var malformed: Bool
  }
}
