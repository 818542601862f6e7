/// Expands `${params.NAME}` references in `with:` values.
enum ParameterSubstitution {
  /// Replaces each `${params.NAME}` in `text` by the parameter's value; `unknown` is called
  /// with the first name that is not a recipe parameter.
  static func expand(_ text: String, params: [String: ParameterValue]) -> Result<String, UnknownReference> {
    var out = ""
    var rest = Substring(text)
    while let open = rest.range(of: "${") {
      out += rest[..<open.lowerBound]
      guard let close = rest[open.upperBound...].firstIndex(of: "}") else {
        return .failure(UnknownReference(name: String(rest[open.lowerBound...]), malformed: true))
      }
      let reference = rest[open.upperBound..<close].trimmingCharacters(in: .whitespaces)
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

  struct UnknownReference: Error {
    var name: String
    var malformed: Bool
  }
}
