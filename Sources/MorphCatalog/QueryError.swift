/// An invalid query expression, located at a token.
public struct QueryError: Error, Equatable, Sendable, CustomStringConvertible {
  /// The whole expression as given.
  public var expression: String
  /// 1-based column (in characters) where the offending token starts.
  public var column: Int
  /// The offending token's text ("" at end of input).
  public var token: String
  /// What is wrong.
  public var message: String
  /// The nearest known name, when the token looks like a misspelled one.
  public var suggestion: String?

  public init(expression: String, column: Int, token: String, message: String, suggestion: String? = nil) {
    self.expression = expression
    self.column = column
    self.token = token
    self.message = message
    self.suggestion = suggestion
  }

  /// One line: `query:COLUMN: message (did you mean "X"?)`.
  public var description: String {
    var text = "query:\(column): \(message)"
    if let suggestion { text += " (did you mean \"\(suggestion)\"?)" }
    return text
  }

  /// The expression with a caret line under the offending token, for terminals.
  public var pointer: String {
    let pad = String(repeating: " ", count: max(0, column - 1))
    return "\(expression)\n\(pad)\(String(repeating: "^", count: max(1, token.count)))"
  }
}
