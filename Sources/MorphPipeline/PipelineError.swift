/// Errors in recipes and runs, each naming the file, line, stage or item involved.
public enum PipelineError: Error, CustomStringConvertible {
  /// A recipe is malformed or invalid at `file:line:column`.
  case recipe(file: String, line: Int, column: Int, message: String)
  /// A file could not be read.
  case file(path: String, message: String)
  /// A `--set key=value` override is malformed or names no parameter.
  case override(String)
  /// A stage could not start (its inputs or parameters are unusable as a whole).
  case stage(stage: String, message: String)
  /// One item failed in one stage.
  case item(stage: String, item: String, message: String)
  /// The run was cancelled (Ctrl-C).
  case cancelled
  /// `--shard K/N` or `--shard-from-env` is unusable.
  case shard(String)

  public var description: String {
    switch self {
    case .recipe(let file, let line, let column, let message): return "\(file):\(line):\(column): \(message)"
    case .file(let path, let message): return "\(path): \(message)"
    case .override(let message): return "--set: \(message)"
    case .stage(let stage, let message): return "stage \(stage): \(message)"
    case .item(let stage, let item, let message): return "stage \(stage), item \(item): \(message)"
    case .cancelled: return "cancelled"
    case .shard(let message): return "shard: \(message)"
    }
  }
}
