import Foundation

/// Checks a recipe against the stage registry and turns it into a `PipelineGraph`.
///
/// Catches, each with `file:line:column` and a nearest-name suggestion: unknown stages,
/// unknown, mistyped or missing parameters, unknown `${params.x}` references, dangling or
/// missing `from`, duplicate ids, cycles, and edges joining different data kinds.
public struct RecipeValidator {
  public var registry: StageRegistry

  public init(registry: StageRegistry = .builtIn) { self.registry = registry }

  /// Validates `recipe` with `--set key=value` overrides applied.
  ///
  /// `key` is a recipe parameter (`size=64`) or a stage parameter (`crop.size=64`).
  public func validate(_ recipe: Recipe, overrides: [String] = []) throws -> PipelineGraph {
    let file = recipe.file
    func fail(_ position: SourcePosition, _ message: String) -> PipelineError {
      .recipe(file: file, line: position.line, column: position.column, message: message)
    }

    // Recipe parameters, then overrides. A default may name a file beside the recipe.
    let recipeDirectory = URL(fileURLWithPath: recipe.file).deletingLastPathComponent().standardizedFileURL.path
    var params: [String: ParameterValue] = [:]
    for p in recipe.params {
      if case .string(let text) = p.value, text.contains(ParameterSubstitution.recipeDirectory) {
        params[p.name] = .string(ParameterSubstitution.expandRecipeDirectory(text, directory: recipeDirectory))
      } else {
        params[p.name] = p.value
      }
    }
    var stageOverrides: [String: [String: String]] = [:]
    // Recipe parameters given with --set, by name.
    var overridden: Set<String> = []
    let stageIDs = recipe.stages.map(\.id.value)
    for override in overrides {
      guard let eq = override.firstIndex(of: "=") else {
        throw PipelineError.override("`\(override)` is not key=value")
      }
      let key = String(override[..<eq]), text = String(override[override.index(after: eq)...])
      if let p = params[key] {
        guard let value = p.type == .string ? .string(text) : p.type.parse(text) else {
          throw PipelineError.override("`\(key)` must be \(p.type.phrase), not `\(text)`")
        }
        params[key] = value
        overridden.insert(key)
      } else if let dot = key.firstIndex(of: "."), stageIDs.contains(String(key[..<dot])) {
        stageOverrides[String(key[..<dot]), default: [:]][String(key[key.index(after: dot)...])] = text
      } else {
        throw PipelineError.override(
          "no recipe parameter `\(key)`" + Suggest.hint(key, among: recipe.params.map(\.name) + stageIDs.map { "\($0).…" }))
      }
    }

    // Stages: names, parameters, ids.
    var stages: [GraphStage] = []
    var seen: [String: SourcePosition] = [:]
    for s in recipe.stages {
      if let first = seen[s.id.value] {
        throw fail(s.id.position, "duplicate stage id `\(s.id.value)` (first used at line \(first.line))")
      }
      seen[s.id.value] = s.id.position
      guard let descriptor = registry[s.uses.value] else {
        throw fail(s.uses.position, "unknown stage `\(s.uses.value)`" + Suggest.hint(s.uses.value, among: registry.names))
      }
      let specNames = descriptor.parameters.map(\.name)
      var values: [String: ParameterValue] = [:]
      var given: [String: (text: String, position: SourcePosition)] = [:]
      for (key, value) in s.with {
        guard specNames.contains(key.value) else {
          throw fail(
            key.position,
            "stage `\(descriptor.name)` has no parameter `\(key.value)`" + Suggest.hint(key.value, among: specNames))
        }
        if given[key.value] != nil { throw fail(key.position, "parameter `\(key.value)` is given twice") }
        given[key.value] = (value.value, value.position)
      }
      for (key, text) in stageOverrides[s.id.value] ?? [:] {
        guard specNames.contains(key) else {
          throw PipelineError.override(
            "stage `\(s.id.value)` (\(descriptor.name)) has no parameter `\(key)`" + Suggest.hint(key, among: specNames))
        }
        given[key] = (text, s.id.position)
      }
      for spec in descriptor.parameters {
        guard let raw = given[spec.name] else {
          guard let def = spec.defaultValue else {
            throw fail(s.uses.position, "stage `\(s.id.value)` (\(descriptor.name)) needs parameter `\(spec.name)` (\(spec.type.rawValue)): \(spec.summary)")
          }
          values[spec.name] = def
          continue
        }
        let expanded: String
        switch ParameterSubstitution.expand(raw.text, params: params, recipeDirectory: recipeDirectory) {
        case .success(let text): expanded = text
        case .failure(let reference):
          throw fail(
            raw.position,
            reference.malformed
              ? "malformed reference `\(reference.name)` (write ${params.NAME} or ${recipe_dir})"
              : "unknown recipe parameter `\(reference.name)`" + Suggest.hint(reference.name, among: Array(params.keys)))
        }
        guard let value = spec.type.parse(expanded) else {
          throw fail(raw.position, "parameter `\(spec.name)` of `\(descriptor.name)` must be \(spec.type.phrase), not `\(expanded)`")
        }
        if let problem = spec.problem(value) {
          let message = "parameter `\(spec.name)` of `\(descriptor.name)`: \(problem)"
          // A value that is one recipe parameter, set in the recipe, is wrong where it is set
          // (one given with --set is reported where it is used).
          if let name = ParameterSubstitution.soleParameter(raw.text), !overridden.contains(name),
            let declared = recipe.params.first(where: { $0.name == name })
          {
            throw fail(
              declared.position,
              "\(message) (recipe parameter `\(name)`, used by stage `\(s.id.value)` at line \(raw.position.line))")
          }
          throw fail(raw.position, message)
        }
        values[spec.name] = value
      }
      if let problem = descriptor.checkParameters?(values) {
        throw fail(s.uses.position, "stage `\(s.id.value)` (\(descriptor.name)): \(problem)")
      }
      let retries = s.retries?.value ?? (descriptor.retryable ? 2 : 0)
      if let r = s.retries, r.value > 0, !descriptor.retryable {
        throw fail(r.position, "stage `\(descriptor.name)` is not retryable (its failures come from the input)")
      }
      if let b = s.batch, descriptor.shape != .map {
        throw fail(b.position, "`batch` applies to per-item stages; `\(descriptor.name)` is a \(descriptor.shape.rawValue) stage")
      }
      stages.append(
        GraphStage(
          id: s.id.value, descriptor: descriptor, parameters: values, inputs: s.from.map(\.value),
          concurrency: s.concurrency?.value ?? descriptor.defaultConcurrency, batch: s.batch?.value ?? descriptor.defaultBatch,
          retries: retries, position: s.id.position))
    }

    // Edges: existence, kinds.
    let byID = Dictionary(uniqueKeysWithValues: stages.map { ($0.id, $0) })
    for (s, written) in zip(stages, recipe.stages) {
      if s.descriptor.shape == .source {
        if let first = written.from.first {
          throw fail(first.position, "`\(s.descriptor.name)` is a source stage and takes no `from`")
        }
        continue
      }
      guard !written.from.isEmpty else {
        throw fail(
          written.uses.position, "stage `\(s.id)` (\(s.descriptor.name)) needs `from:` naming the stage that feeds it \(s.descriptor.input?.rawValue ?? "")")
      }
      for from in written.from {
        guard let upstream = byID[from.value] else {
          throw fail(
            from.position,
            "`from: \(from.value)` names no stage" + Suggest.hint(from.value, among: stages.map(\.id).filter { $0 != s.id }))
        }
        if upstream.descriptor.output != s.descriptor.input {
          throw fail(
            from.position,
            "stage `\(upstream.id)` outputs \(upstream.descriptor.output.rawValue) but `\(s.id)` (\(s.descriptor.name)) takes \(s.descriptor.input?.rawValue ?? "nothing")")
        }
      }
    }

    // Order and cycles.
    let ordered = try topologicalOrder(stages, recipe: recipe)
    return PipelineGraph(
      recipe: recipe, parameters: recipe.params.map { ($0.name, params[$0.name] ?? $0.value) }, stages: ordered)
  }

  /// Kahn's algorithm in recipe order; a leftover stage lies on a cycle, which is reported.
  func topologicalOrder(_ stages: [GraphStage], recipe: Recipe) throws -> [GraphStage] {
    var remaining = stages
    var done = Set<String>()
    var ordered: [GraphStage] = []
    while !remaining.isEmpty {
      guard let index = remaining.firstIndex(where: { $0.inputs.allSatisfy(done.contains) }) else {
        var cycle = findCycle(remaining)
        // Start the report at the stage written first, and point at its `from`.
        let order = recipe.stages.map(\.id.value)
        if let start = cycle.indices.min(by: { (order.firstIndex(of: cycle[$0]) ?? 0) < (order.firstIndex(of: cycle[$1]) ?? 0) }) {
          cycle = Array(cycle[start...] + cycle[..<start])
        }
        let first = remaining.first { $0.id == cycle.first } ?? remaining[0]
        let fromPosition =
          recipe.stages.first { $0.id.value == first.id }?.from.first?.position ?? first.position
        throw PipelineError.recipe(
          file: recipe.file, line: fromPosition.line, column: fromPosition.column,
          message: "stages form a cycle: \((cycle + [cycle.first ?? ""]).joined(separator: " → "))")
      }
      let stage = remaining.remove(at: index)
      done.insert(stage.id)
      ordered.append(stage)
    }
    return ordered
  }

  /// A cycle among stages that could not be ordered, as ids along the `from` edges reversed.
  func findCycle(_ stages: [GraphStage]) -> [String] {
    let byID = Dictionary(uniqueKeysWithValues: stages.map { ($0.id, $0) })
    var path: [String] = []
    var current = stages[0].id
    while !path.contains(current) {
      path.append(current)
      guard let next = byID[current]?.inputs.first(where: { byID[$0] != nil }) else { break }
      current = next
    }
    let cycle = Array(path[(path.firstIndex(of: current) ?? 0)...])
    return cycle.reversed()
  }
}
