/// A stage of a validated recipe: its registry entry, typed parameters and scheduling.
public struct GraphStage: Sendable {
  public var id: String
  public var descriptor: StageDescriptor
  /// Every parameter of the stage, defaults filled in, substitutions done.
  public var parameters: [String: ParameterValue]
  /// Upstream stage ids (`from:`).
  public var inputs: [String]
  public var concurrency: Int
  public var batch: Int
  /// Extra attempts for a failed item (only for retryable stages).
  public var retries: Int
  public var position: SourcePosition

  /// `name=value` lines sorted by name: the parameters' part of every cache key.
  public var canonicalParameters: String {
    parameters.keys.sorted().map { "\($0)=\(parameters[$0]?.description ?? "")" }.joined(separator: "\n")
  }
}

/// A validated recipe: stages in dependency order, ready to plan and run.
public struct PipelineGraph: Sendable {
  public var recipe: Recipe
  /// Effective recipe parameters after `--set`.
  public var parameters: [(name: String, value: ParameterValue)]
  /// Stages in a topological order (every stage after all its inputs).
  public var stages: [GraphStage]

  /// Stage ids that read from `id`.
  public func consumers(of id: String) -> [String] {
    stages.filter { $0.inputs.contains(id) }.map(\.id)
  }

  public func stage(_ id: String) -> GraphStage? { stages.first { $0.id == id } }

  /// The effective parameters as a JSON object (for run records).
  public var parametersJSON: String {
    var pairs = parameters.map { ($0.name, $0.value.json) }
    for stage in stages {
      for key in stage.parameters.keys.sorted() {
        pairs.append(("\(stage.id).\(key)", stage.parameters[key]?.json ?? "null"))
      }
    }
    return JSONText.object(pairs)
  }
}
