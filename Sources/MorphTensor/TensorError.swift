/// Errors from tensor operations whose inputs came from outside the engine.
public enum TensorError: Error, CustomStringConvertible, Equatable {
  /// Two shapes do not fit together for `operation`.
  case shapeMismatch(operation: String, lhs: [Int], rhs: [Int])
  /// An argument is out of its valid range.
  case invalidArgument(operation: String, message: String)
  /// `grad`/`backward` was asked for something the tape cannot give.
  case notDifferentiable(String)

  public var description: String {
    switch self {
    case .shapeMismatch(let op, let lhs, let rhs): return "\(op): shapes \(lhs) and \(rhs) do not fit"
    case .invalidArgument(let op, let message): return "\(op): \(message)"
    case .notDifferentiable(let message): return "autodiff: \(message)"
    }
  }
}
