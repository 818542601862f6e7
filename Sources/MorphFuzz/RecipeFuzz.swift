import MorphPipeline

/// Recipe text as `morph validate` reads it: parsed, then checked against the built-in stages.
enum RecipeFuzz {
  static let validator = RecipeValidator()

  static func run(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    expectOnly(PipelineError.self) {
      let recipe = try RecipeParser.parse(text, file: "fuzz.yaml")
      _ = try validator.validate(recipe)
    }
  }
}
