/// The boolean attribute query language.
///
/// ```
/// expr       := term (OR term)*
/// term       := factor (AND factor)*
/// factor     := NOT factor | '(' expr ')' | comparison | name
/// comparison := name ('=' | '!=') value        -- split = test, dataset = celeba, Smiling = -1
/// name       := attribute or attribute-group name (a group means "any of its attributes")
/// value      := word | 'quoted' | "quoted"
/// ```
/// Keywords are case-insensitive; names match exactly, else case-insensitively.
public indirect enum QueryExpression: Equatable, Sendable {
  case name(String, column: Int)
  case comparison(field: String, fieldColumn: Int, negated: Bool, value: String, valueColumn: Int)
  case not(QueryExpression)
  case and(QueryExpression, QueryExpression)
  case or(QueryExpression, QueryExpression)
  /// The empty expression: every image.
  case all
}

/// One lexical token with its 1-based column.
struct QueryToken: Equatable {
  enum Kind: Equatable { case word, quoted, lparen, rparen, equal, notEqual, and, or, not, end }
  var kind: Kind
  var text: String
  var column: Int
}

/// Turns an expression string into a `QueryExpression`, or a `QueryError` at the bad token.
///
/// The size of an expression is bounded (found by fuzzing): the parser recursed once per
/// nesting level, so 20,000 `(` or `NOT`s overflowed the stack; SQLite's own parser has a
/// fixed stack of 100 entries, which 64 nested `NOT`s already overflowed; and a chain of
/// 1,200 `OR`s compiled to SQL deeper than SQLite's expression limit of 1,000.
public struct QueryParser {
  /// Deepest nesting of parentheses and NOTs: each level costs SQLite's parser up to three
  /// stack entries, and the attribute test at the bottom some more.
  public static let maxNesting = 24
  /// Most names and comparisons in one query (chains compile flat, so this bounds the SQL
  /// expression tree, not the parser stacks).
  public static let maxTerms = 256

  let source: String
  var tokens: [QueryToken] = []
  var position = 0
  var nesting = 0
  var terms = 0

  /// Parses `source`.
  public static func parse(_ source: String) throws -> QueryExpression {
    var parser = QueryParser(source: source)
    parser.tokens = try lex(source)
    if parser.tokens.count == 1 { return .all }
    let expr = try parser.parseOr()
    let next = parser.peek
    if next.kind != .end {
      throw parser.error(
        next, next.kind == .rparen ? "unmatched ')'" : "expected AND, OR or end of query, found \"\(next.text)\"")
    }
    return expr
  }

  static func lex(_ source: String) throws -> [QueryToken] {
    var tokens = [QueryToken]()
    let chars = Array(source)
    var i = 0
    func isWordChar(_ c: Character) -> Bool {
      c.isLetter || c.isNumber || c == "_" || c == "-" || c == "." || c == "/" || c == "+"
    }
    while i < chars.count {
      let c = chars[i]
      let column = i + 1
      if c.isWhitespace {
        i += 1
      } else if c == "(" {
        tokens.append(QueryToken(kind: .lparen, text: "(", column: column))
        i += 1
      } else if c == ")" {
        tokens.append(QueryToken(kind: .rparen, text: ")", column: column))
        i += 1
      } else if c == "=" {
        let double = i + 1 < chars.count && chars[i + 1] == "="
        tokens.append(QueryToken(kind: .equal, text: double ? "==" : "=", column: column))
        i += double ? 2 : 1
      } else if c == "!" && i + 1 < chars.count && chars[i + 1] == "=" {
        tokens.append(QueryToken(kind: .notEqual, text: "!=", column: column))
        i += 2
      } else if c == "\"" || c == "'" {
        var j = i + 1
        while j < chars.count && chars[j] != c { j += 1 }
        guard j < chars.count else {
          throw QueryError(
            expression: source, column: column, token: String(chars[i...]), message: "unterminated quoted value")
        }
        tokens.append(QueryToken(kind: .quoted, text: String(chars[(i + 1)..<j]), column: column))
        i = j + 1
      } else if isWordChar(c) {
        var j = i
        while j < chars.count && isWordChar(chars[j]) { j += 1 }
        let word = String(chars[i..<j])
        let kind: QueryToken.Kind
        switch word.uppercased() {
        case "AND": kind = .and
        case "OR": kind = .or
        case "NOT": kind = .not
        default: kind = .word
        }
        tokens.append(QueryToken(kind: kind, text: word, column: column))
        i = j
      } else {
        throw QueryError(expression: source, column: column, token: String(c), message: "unexpected character \"\(c)\"")
      }
    }
    tokens.append(QueryToken(kind: .end, text: "", column: chars.count + 1))
    return tokens
  }

  var peek: QueryToken { tokens[min(position, tokens.count - 1)] }

  mutating func advance() -> QueryToken {
    let token = peek
    position += 1
    return token
  }

  func error(_ token: QueryToken, _ message: String) -> QueryError {
    QueryError(expression: source, column: token.column, token: token.text, message: message)
  }

  mutating func parseOr() throws -> QueryExpression {
    var left = try parseAnd()
    while peek.kind == .or {
      _ = advance()
      left = .or(left, try parseAnd())
    }
    return left
  }

  mutating func parseAnd() throws -> QueryExpression {
    var left = try parseFactor()
    while peek.kind == .and {
      _ = advance()
      left = .and(left, try parseFactor())
    }
    return left
  }

  mutating func parseFactor() throws -> QueryExpression {
    let token = advance()
    if token.kind == .not || token.kind == .lparen {
      nesting += 1
      guard nesting <= Self.maxNesting else {
        throw error(token, "nested more than \(Self.maxNesting) levels deep (parentheses and NOT)")
      }
    }
    defer { if token.kind == .not || token.kind == .lparen { nesting -= 1 } }
    switch token.kind {
    case .not:
      return .not(try parseFactor())
    case .lparen:
      let inner = try parseOr()
      let close = peek
      guard close.kind == .rparen else {
        throw error(
          close,
          close.kind == .end
            ? "missing ')' to close the '(' at column \(token.column)" : "expected ')', found \"\(close.text)\"")
      }
      _ = advance()
      return inner
    case .word:
      terms += 1
      guard terms <= Self.maxTerms else {
        throw error(token, "more than \(Self.maxTerms) names and comparisons in one query")
      }
      if peek.kind == .equal || peek.kind == .notEqual {
        let op = advance()
        let value = advance()
        guard value.kind == .word || value.kind == .quoted else {
          throw error(
            value,
            value.kind == .end
              ? "expected a value after \"\(op.text)\""
              : "expected a value after \"\(op.text)\", found \"\(value.text)\"")
        }
        return .comparison(
          field: token.text, fieldColumn: token.column, negated: op.kind == .notEqual, value: value.text,
          valueColumn: value.column)
      }
      return .name(token.text, column: token.column)
    case .end:
      throw error(token, "expected an attribute name, NOT or '(' but the query ended")
    default:
      throw error(token, "expected an attribute name, NOT or '(', found \"\(token.text)\"")
    }
  }
}
