import MorphImaging

extension ParameterSpec {
  /// A stage parameter naming an `AlignmentMode`, checked when the recipe is validated.
  static func alignmentMode(_ name: String, default mode: AlignmentMode, _ help: String) -> ParameterSpec {
    ParameterSpec(
      name, .string, default: .string(mode.rawValue), help,
      check: { v in
        AlignmentMode(rawValue: v.stringValue ?? "") != nil
          ? nil : "must be one of \(AlignmentMode.allCases.map(\.rawValue).joined(separator: ", "))"
      })
  }
}
