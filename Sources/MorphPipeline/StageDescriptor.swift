import Foundation
import MorphCatalog

/// A typed parameter a stage accepts in its `with:` block.
public struct ParameterSpec: Sendable {
  public var name: String
  public var type: ParameterType
  /// nil means the parameter is required.
  public var defaultValue: ParameterValue?
  public var summary: String
  /// The values allowed beyond the type (`1…100`, `png or jpg`); checked by the validator and
  /// shown by `morph stages`.
  public var range: ParameterRange?
  /// A check beyond a range (a list syntax, a name): returns what is wrong, or nil. The
  /// validator reports it at the value's `line:column`.
  public var check: (@Sendable (ParameterValue) -> String?)?
  /// For a list parameter: a check of its entries given every (scalar) parameter of the stage,
  /// defaults filled in; returns the entry and field at fault, which the validator reports at
  /// that field's `line:column`.
  public var checkList: (@Sendable ([ParameterRecord], [String: ParameterValue]) -> ListProblem?)?

  public init(
    _ name: String, _ type: ParameterType, default defaultValue: ParameterValue? = nil, _ summary: String,
    range: ParameterRange? = nil, check: (@Sendable (ParameterValue) -> String?)? = nil,
    checkList: (@Sendable ([ParameterRecord], [String: ParameterValue]) -> ListProblem?)? = nil
  ) {
    self.name = name
    self.type = type
    self.defaultValue = defaultValue
    self.summary = summary
    self.range = range
    self.check = check
    self.checkList = checkList
  }

  /// What is wrong with `value` (out of range, or refused by `check`), or nil.
  public func problem(_ value: ParameterValue) -> String? {
    range?.problem(value) ?? check?(value)
  }
}

extension ParameterSpec {
  /// Whether the name is a pattern, `prefix.*`: it then stands for every `prefix.NAME` (NAME of
  /// letters, digits, `_` and `-`), e.g. `strength.*` for the groups of any checkpoint.
  public var isPattern: Bool { name.hasSuffix(".*") }

  /// Whether `key` is a name this pattern stands for.
  public func matches(_ key: String) -> Bool {
    guard isPattern else { return key == name }
    let prefix = name.dropLast()
    guard key.hasPrefix(prefix), key.count > prefix.count else { return false }
    return key.dropFirst(prefix.count).allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }
  }
}

/// How a stage relates its inputs to its outputs.
public enum StageShape: String, Sendable {
  /// No input; produces items (load a folder, read a table).
  case source
  /// One output per input item, in micro-batches; cached per item.
  case map
  /// One output from all input items (a grid, an animation, a metrics summary).
  case reduce
  /// Zero or more outputs per input item (a detector: one item per face), named
  /// `<input id>#<k>`. Everything downstream is planned at run time.
  case expand
  /// One output per parent item: the items an `expand` made from one input, regrouped (all
  /// faces of a photo pasted back into it). Runs once its input is finished.
  case group
}

/// What a stage is given when a run starts it.
public struct StageContext: Sendable {
  /// The stage's id in the recipe.
  public var stageID: String
  /// Validated parameters, defaults filled in.
  public var parameters: [String: ParameterValue]
  /// Folder relative paths in parameters are resolved against (the working directory).
  public var baseDirectory: URL
  /// The run's catalog (catalog stages write to it).
  public var catalog: Catalog?
  /// The run id in the catalog, when recording.
  public var runID: Int64?
  /// For source stages: whether the run takes the item with this id (nil: all). A source
  /// checks it before the per-item work of listing (hashing a file), so a shard of a large
  /// folder reads only its own files; the planner applies it again either way.
  public var takesItem: (@Sendable (String) -> Bool)? = nil

  public init(
    stageID: String, parameters: [String: ParameterValue], baseDirectory: URL, catalog: Catalog? = nil,
    runID: Int64? = nil
  ) {
    self.stageID = stageID
    self.parameters = parameters
    self.baseDirectory = baseDirectory
    self.catalog = catalog
    self.runID = runID
  }

  public func int(_ name: String) -> Int { parameters[name]?.intValue ?? 0 }
  public func double(_ name: String) -> Double { parameters[name]?.doubleValue ?? 0 }
  public func string(_ name: String) -> String { parameters[name]?.stringValue ?? "" }
  public func bool(_ name: String) -> Bool { parameters[name]?.boolValue ?? false }
  /// A path parameter resolved against `baseDirectory`.
  public func url(_ name: String) -> URL {
    let path = string(name)
    return path.hasPrefix("/") ? URL(fileURLWithPath: path) : baseDirectory.appendingPathComponent(path)
  }
}

/// The work a started stage does.
public enum StageBody: Sendable {
  /// Lists the items a source provides (with content hashes); loading happens per item.
  case source(@Sendable () throws -> [SourceItem])
  /// Processes a micro-batch; one result per input, in order. A thrown error fails the batch.
  case map(@Sendable ([Item]) throws -> [Result<Payload, Error>])
  /// Combines every input (sorted by source order) into one output.
  case reduce(@Sendable ([Item]) throws -> Payload)
  /// Turns one item into zero or more; a thrown error fails that item alone.
  case expand(@Sendable (Item) throws -> Expansion)
  /// Combines the items of one parent (id before `#`, sorted by id) into one output.
  case group(@Sendable (_ parent: String, _ members: [Item]) throws -> Payload)
}

/// What an expanding stage made of one input item.
public struct Expansion: Sendable {
  /// One output of an expansion.
  public struct Output: Sendable {
    /// nil: the input's own payload, passed on (and not stored in the cache a second time).
    public var payload: Payload?
    public var face: ItemFace?

    public init(payload: Payload? = nil, face: ItemFace? = nil) {
      self.payload = payload
      self.face = face
    }
  }

  public var outputs: [Output]
  /// Recorded with the item's result (e.g. "no face found" when there are no outputs).
  public var note: String?

  public init(outputs: [Output], note: String? = nil) {
    self.outputs = outputs
    self.note = note
  }
}

/// A registered stage: name, description, typed ports and parameters, and how to start it.
public struct StageDescriptor: Sendable {
  public var name: String
  /// Bumped when the stage's output for the same input changes (part of every cache key).
  public var version: Int
  /// One line for `morph stages`.
  public var summary: String
  public var shape: StageShape
  /// Input kind (nil for sources).
  public var input: DataKind?
  public var output: DataKind
  public var parameters: [ParameterSpec]
  /// Failures worth retrying (I/O, contention) rather than bad input.
  public var retryable: Bool
  /// Whether results are stored in the cache (false for cheap or side-effect-only stages).
  public var cacheable: Bool
  public var defaultConcurrency: Int
  public var defaultBatch: Int
  /// Hash of the model weights a stage uses, for cache keys ("" for stages without a model).
  public var modelHash: @Sendable ([String: ParameterValue]) throws -> String
  /// Sets the stage up (open files, read models) once per run; items then run in parallel.
  public var start: @Sendable (StageContext) throws -> StageBody
  /// For sink stages: whether a cached result is still valid (e.g. its output file exists).
  public var cachedResultIsValid: @Sendable (Payload) -> Bool
  /// A check across parameters (one that no single value shows), run by `morph validate`:
  /// returns what is wrong, or nil.
  public var checkParameters: (@Sendable ([String: ParameterValue]) -> String?)?

  public init(
    name: String, version: Int = 1, summary: String, shape: StageShape, input: DataKind?, output: DataKind,
    parameters: [ParameterSpec] = [], retryable: Bool = false, cacheable: Bool = true, concurrency: Int = 2,
    batch: Int = 1, modelHash: @escaping @Sendable ([String: ParameterValue]) throws -> String = { _ in "" },
    cachedResultIsValid: @escaping @Sendable (Payload) -> Bool = { _ in true },
    checkParameters: (@Sendable ([String: ParameterValue]) -> String?)? = nil,
    start: @escaping @Sendable (StageContext) throws -> StageBody
  ) {
    self.name = name
    self.version = version
    self.summary = summary
    self.shape = shape
    self.input = input
    self.output = output
    self.parameters = parameters
    self.retryable = retryable
    self.cacheable = cacheable
    self.defaultConcurrency = concurrency
    self.defaultBatch = batch
    self.modelHash = modelHash
    self.cachedResultIsValid = cachedResultIsValid
    self.checkParameters = checkParameters
    self.start = start
  }

  /// The pattern parameter (`strength.*`) that stands for `key`, if any.
  public func patternSpec(for key: String) -> ParameterSpec? {
    parameters.first { $0.isPattern && $0.matches(key) }
  }

  /// Multi-line documentation for `morph stages NAME`.
  public var documentation: String {
    var lines = ["\(name) (v\(version), \(shape.rawValue)) — \(summary)"]
    lines.append("  input:  \(input?.rawValue ?? "none (source)")")
    lines.append("  output: \(output.rawValue)")
    lines.append("  runs:   concurrency \(defaultConcurrency), batch \(defaultBatch)\(retryable ? ", retryable" : "")")
    if parameters.isEmpty {
      lines.append("  parameters: none")
    } else {
      lines.append("  parameters:")
      let width = parameters.map { $0.name.count }.max() ?? 0
      for p in parameters {
        let pad = String(repeating: " ", count: width - p.name.count)
        let def = p.defaultValue.map { "default \($0)" } ?? "required"
        let range = p.range.map { ", \($0.phrase)" } ?? ""
        lines.append("    \(p.name)\(pad)  \(p.type.rawValue), \(def)\(range) — \(p.summary)")
      }
    }
    return lines.joined(separator: "\n")
  }
}
