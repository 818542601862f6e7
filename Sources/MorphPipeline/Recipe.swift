/// A 1-based position in a recipe file.
public struct SourcePosition: Equatable, Sendable, CustomStringConvertible {
  public var line: Int
  public var column: Int

  public init(line: Int, column: Int) {
    self.line = line
    self.column = column
  }

  public var description: String { "\(line):\(column)" }
}

/// A value together with where it was written.
public struct Located<Value: Sendable>: Sendable {
  public var value: Value
  public var position: SourcePosition

  public init(_ value: Value, at position: SourcePosition) {
    self.value = value
    self.position = position
  }
}

/// A recipe as written: names and raw scalars with their positions, before validation.
///
/// ```yaml
/// name: demo
/// params: { input: Fixtures/faces, size: 96 }
/// stages:
///   - id: faces
///     uses: load
///     with: { folder: "${params.input}" }
///   - id: crop
///     uses: align
///     from: faces
///     with: { size: "${params.size}" }
/// ```
public struct Recipe: Sendable {
  /// The file name used in error messages.
  public var file: String
  /// The full recipe text (recorded with each run, hashed for the run record).
  public var text: String
  public var name: String
  public var description: String
  /// Recipe parameters with their defaults, in the order written.
  public var params: [RecipeParameter]
  /// Catalog file to record runs in; nil for the default location.
  public var catalog: Located<String>?
  public var stages: [RecipeStage]
}

/// A recipe parameter: `params: { size: 96 }`.
public struct RecipeParameter: Sendable {
  public var name: String
  /// The default (its type is inferred from the YAML scalar: int, double, bool or string).
  public var value: ParameterValue
  public var position: SourcePosition
}

/// One entry of `stages:`.
public struct RecipeStage: Sendable {
  public var id: Located<String>
  public var uses: Located<String>
  public var from: [Located<String>]
  /// `with:` entries: key (with its position) → raw scalar text (with its position).
  public var with: [(key: Located<String>, value: Located<String>)]
  /// `with:` entries whose value is a list of mappings (`phases:`), each entry's fields with
  /// their positions.
  public var lists: [(key: Located<String>, entries: [RecipeListEntry])] = []
  /// Optional scheduling overrides.
  public var concurrency: Located<Int>?
  public var batch: Located<Int>?
  public var retries: Located<Int>?
  /// Position of the stage entry (its `-`).
  public var position: SourcePosition
}

/// One entry of a list-valued stage parameter: `- name: warm-up` and the fields under it.
public struct RecipeListEntry: Sendable {
  /// Each field's key and raw scalar text (a YAML list of values joined with ", "), with positions.
  public var fields: [(key: Located<String>, value: Located<String>)]
  /// Position of the entry (its `-`).
  public var position: SourcePosition
}
