import Foundation
import Yams

/// Reads recipe YAML into a `Recipe`, keeping the position of every name and value so that
/// later errors can point at `file:line:column`.
public enum RecipeParser {
  static let topKeys = ["name", "description", "params", "catalog", "stages"]
  static let stageKeys = ["id", "uses", "from", "with", "concurrency", "batch", "retries"]

  /// Reads and parses a recipe file.
  public static func load(_ url: URL) throws -> Recipe {
    let text: String
    do {
      text = try String(contentsOf: url, encoding: .utf8)
    } catch {
      let exists = FileManager.default.fileExists(atPath: url.path)
      throw PipelineError.file(path: url.path, message: exists ? "cannot read the recipe as UTF-8 text" : "no such recipe file")
    }
    return try parse(text, file: url.path)
  }

  /// Parses recipe text; `file` names it in errors.
  public static func parse(_ text: String, file: String) throws -> Recipe {
    func fail(_ position: SourcePosition, _ message: String) -> PipelineError {
      .recipe(file: file, line: position.line, column: position.column, message: message)
    }
    let root: Node?
    do {
      root = try Yams.compose(yaml: text)
    } catch let error as YamlError {
      throw yamlError(error, file: file)
    }
    guard let root, let mapping = root.mapping else {
      throw fail(position(of: root), "a recipe is a mapping with `name` and `stages`")
    }
    try checkTags(root, file: file)
    var recipe = Recipe(
      file: file, text: text, name: URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent,
      description: "", params: [], catalog: nil, stages: [])
    var sawStages = false
    for (keyNode, value) in mapping {
      let key = try scalarText(keyNode, file: file, what: "key")
      switch key {
      case "name": recipe.name = try scalarText(value, file: file, what: "name")
      case "description": recipe.description = try scalarText(value, file: file, what: "description")
      case "catalog": recipe.catalog = Located(try scalarText(value, file: file, what: "catalog"), at: position(of: value))
      case "params":
        guard let params = value.mapping else { throw fail(position(of: value), "`params` must be a mapping of name: default") }
        for (name, defaultNode) in params {
          let paramName = try scalarText(name, file: file, what: "parameter name")
          guard recipe.params.allSatisfy({ $0.name != paramName }) else {
            throw fail(position(of: name), "parameter `\(paramName)` is declared twice")
          }
          recipe.params.append(
            RecipeParameter(name: paramName, value: try inferredValue(defaultNode, file: file), position: position(of: name)))
        }
      case "stages":
        sawStages = true
        guard let sequence = value.sequence else { throw fail(position(of: value), "`stages` must be a list of stages") }
        for entry in sequence { recipe.stages.append(try parseStage(entry, file: file)) }
      default:
        throw fail(position(of: keyNode), "unknown key `\(key)`" + Suggest.hint(key, among: topKeys))
      }
    }
    guard sawStages, !recipe.stages.isEmpty else {
      throw fail(position(of: root), "the recipe has no stages (add a `stages:` list)")
    }
    return recipe
  }

  /// Refuses YAML tags other than the core schema's: a recipe means its text literally, and a
  /// tag such as `!include /etc/passwd` must not look as if it did something.
  static func checkTags(_ node: Node, file: String) throws {
    let name = node.tag.rawValue
    guard name.hasPrefix("tag:yaml.org,2002:") else {
      let at = position(of: node)
      throw PipelineError.recipe(
        file: file, line: at.line, column: at.column,
        message: "unknown YAML tag `\(name)`: recipes take plain values (no tags such as !include)")
    }
    if let mapping = node.mapping {
      for (key, value) in mapping {
        try checkTags(key, file: file)
        try checkTags(value, file: file)
      }
    } else if let sequence = node.sequence {
      for item in sequence { try checkTags(item, file: file) }
    }
  }

  // MARK: - Stages

  static func parseStage(_ node: Node, file: String) throws -> RecipeStage {
    let stagePosition = position(of: node)
    guard let mapping = node.mapping else {
      throw PipelineError.recipe(
        file: file, line: stagePosition.line, column: stagePosition.column,
        message: "a stage is a mapping with `id` and `uses`")
    }
    var id: Located<String>?
    var uses: Located<String>?
    var stage = RecipeStage(
      id: Located("", at: stagePosition), uses: Located("", at: stagePosition), from: [], with: [], concurrency: nil,
      batch: nil, retries: nil, position: stagePosition)
    for (keyNode, value) in mapping {
      let key = try scalarText(keyNode, file: file, what: "key")
      let at = position(of: value)
      switch key {
      case "id": id = Located(try scalarText(value, file: file, what: "stage id"), at: at)
      case "uses": uses = Located(try scalarText(value, file: file, what: "stage name"), at: at)
      case "from":
        if let list = value.sequence {
          stage.from = try list.map { Located(try scalarText($0, file: file, what: "stage id"), at: position(of: $0)) }
        } else {
          stage.from = [Located(try scalarText(value, file: file, what: "stage id"), at: at)]
        }
      case "with":
        if value.scalar?.string == "" || value.null != nil { continue }
        guard let with = value.mapping else {
          throw PipelineError.recipe(file: file, line: at.line, column: at.column, message: "`with` must be a mapping of parameter: value")
        }
        for (k, v) in with {
          let key = Located(try scalarText(k, file: file, what: "parameter name"), at: position(of: k))
          if let list = v.sequence {
            stage.lists.append((key, try list.map { try parseListEntry($0, of: key.value, file: file) }))
          } else {
            stage.with.append((key, Located(try scalarText(v, file: file, what: "parameter value"), at: position(of: v))))
          }
        }
      case "concurrency", "batch", "retries":
        guard let number = Int(try scalarText(value, file: file, what: key)), number >= (key == "retries" ? 0 : 1) else {
          throw PipelineError.recipe(
            file: file, line: at.line, column: at.column,
            message: "`\(key)` must be an integer ≥ \(key == "retries" ? 0 : 1)")
        }
        let located = Located(number, at: at)
        if key == "concurrency" { stage.concurrency = located } else if key == "batch" { stage.batch = located } else {
          stage.retries = located
        }
      default:
        let p = position(of: keyNode)
        throw PipelineError.recipe(
          file: file, line: p.line, column: p.column, message: "unknown stage key `\(key)`" + Suggest.hint(key, among: stageKeys))
      }
    }
    guard let id else {
      throw PipelineError.recipe(file: file, line: stagePosition.line, column: stagePosition.column, message: "stage has no `id`")
    }
    guard let uses else {
      throw PipelineError.recipe(
        file: file, line: id.position.line, column: id.position.column, message: "stage `\(id.value)` has no `uses`")
    }
    stage.id = id
    stage.uses = uses
    return stage
  }

  /// One `- key: value …` entry of a list parameter; a field's value is a scalar or a flow
  /// list of scalars (`train: [encoder, decoder]`), kept as their text joined with ", ".
  static func parseListEntry(_ node: Node, of parameter: String, file: String) throws -> RecipeListEntry {
    let at = position(of: node)
    guard let mapping = node.mapping else {
      throw PipelineError.recipe(
        file: file, line: at.line, column: at.column, message: "each entry of `\(parameter)` is a mapping of field: value")
    }
    var entry = RecipeListEntry(fields: [], position: at)
    for (k, v) in mapping {
      let key = Located(try scalarText(k, file: file, what: "field name"), at: position(of: k))
      let text = try v.sequence.map { try $0.map { try scalarText($0, file: file, what: "value of `\(key.value)`") }.joined(separator: ", ") }
        ?? scalarText(v, file: file, what: "value of `\(key.value)`")
      entry.fields.append((key, Located(text, at: position(of: v))))
    }
    return entry
  }

  // MARK: - Scalars

  static func position(of node: Node?) -> SourcePosition {
    guard let mark = node?.mark else { return SourcePosition(line: 1, column: 1) }
    return SourcePosition(line: mark.line, column: mark.column)
  }

  static func scalarText(_ node: Node, file: String, what: String) throws -> String {
    guard let scalar = node.scalar else {
      let p = position(of: node)
      throw PipelineError.recipe(file: file, line: p.line, column: p.column, message: "expected a single value for \(what)")
    }
    return scalar.string
  }

  /// Infers a parameter default's type from its YAML scalar (quoted text stays a string).
  static func inferredValue(_ node: Node, file: String) throws -> ParameterValue {
    let text = try scalarText(node, file: file, what: "parameter default")
    if let scalar = node.scalar, scalar.style == .plain {
      if let i = node.int { return .int(i) }
      if let d = node.float, d.isFinite { return .double(d) }
      if let b = node.bool { return .bool(b) }
    }
    return .string(text)
  }

  static func yamlError(_ error: YamlError, file: String) -> PipelineError {
    switch error {
    case .scanner(let context, let problem, let mark, _), .parser(let context, let problem, let mark, _),
      .composer(let context, let problem, let mark, _):
      let detail = context.map { "\(problem) \($0.text)" } ?? problem
      return .recipe(file: file, line: mark.line, column: mark.column, message: "YAML syntax: \(detail)")
    case .duplicatedKeysInMapping(let duplicates, let context):
      return .recipe(
        file: file, line: context.mark.line, column: context.mark.column,
        message: "duplicate key \(duplicates.joined(separator: ", "))")
    default:
      return .recipe(file: file, line: 1, column: 1, message: "YAML: \(error)")
    }
  }
}
