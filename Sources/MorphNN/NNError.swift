/// Errors raised by layers, checkpoints and optimisers, with messages a user can act on.
public enum NNError: Error, CustomStringConvertible, Equatable {
  /// A checkpoint lacks a tensor the model needs.
  case missingKey(String)
  /// A checkpoint tensor has the wrong shape.
  case shapeMismatch(key: String, expected: [Int], found: [Int])
  /// A checkpoint holds a tensor the model does not have (strict loading).
  case unexpectedKey(String)
  /// A layer was called with an input it cannot take.
  case badInput(layer: String, expected: String, found: [Int])
  /// Optimiser state does not match the parameters it is loaded into.
  case optimizerState(String)

  public var description: String {
    switch self {
    case .missingKey(let key): return "checkpoint has no tensor named '\(key)'"
    case .shapeMismatch(let key, let expected, let found):
      return "tensor '\(key)' has shape \(found), expected \(expected)"
    case .unexpectedKey(let key): return "checkpoint tensor '\(key)' matches no parameter of the model"
    case .badInput(let layer, let expected, let found): return "\(layer): expected input \(expected), got shape \(found)"
    case .optimizerState(let message): return "optimizer state: \(message)"
    }
  }
}
