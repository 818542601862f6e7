/// Errors raised by layers, checkpoints and optimisers, with messages a user can act on.
public enum NNError: Error, CustomStringConvertible {
  case missingKey(String)
  case shapeMismatch(key: String, expected: [Int], found: [Int])

  public var description: String {
    switch self {
    case .missingKey(let key): return "checkpoint has no tensor named '\(key)'"
    case .shapeMismatch(let key, let expected, let found):
      return "tensor '\(key)' has shape \(found), expected \(expected)"
    }
  }
}
