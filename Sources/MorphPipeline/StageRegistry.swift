/// The stages a recipe's `uses:` may name.
public struct StageRegistry: Sendable {
  public private(set) var descriptors: [String: StageDescriptor] = [:]

  public init(_ stages: [StageDescriptor] = []) {
    for stage in stages { register(stage) }
  }

  /// Adds (or replaces) a stage.
  public mutating func register(_ stage: StageDescriptor) { descriptors[stage.name] = stage }

  public subscript(name: String) -> StageDescriptor? { descriptors[name] }

  /// Stage names, sorted.
  public var names: [String] { descriptors.keys.sorted() }

  /// "no such stage (did you mean …?)" for a name that is not registered.
  public func unknownStageHint(_ name: String) -> String {
    "no such stage" + Suggest.hint(name, among: names) + "; `morph stages` lists them"
  }

  /// Every built-in stage: imaging, catalog and utility stages.
  public static var builtIn: StageRegistry {
    StageRegistry(BuiltInStages.all)
  }
}
