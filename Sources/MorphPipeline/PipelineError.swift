/// Errors in recipes and runs, each naming the file, line, stage or item involved.
public enum PipelineError: Error, CustomStringConvertible {
  case recipe(file: String, line: Int, column: Int, message: String)

  public var description: String {
    switch self {
    case .recipe(let file, let line, let column, let message): return "\(file):\(line):\(column): \(message)"
    }
  }
}
