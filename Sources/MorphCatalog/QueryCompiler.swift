import GRDB

/// The names a query may use, read from the catalog.
public struct QueryVocabulary: Sendable {
  /// Attribute name → slot (bit position in the packed words).
  public var attributeSlots: [String: Int]
  /// Group name → member attribute names.
  public var groups: [String: [String]]
  /// Dataset names.
  public var datasets: [String]

  public init(attributeSlots: [String: Int], groups: [String: [String]], datasets: [String]) {
    self.attributeSlots = attributeSlots
    self.groups = groups
    self.datasets = datasets
  }

  /// Fields that compare with `=` / `!=` instead of naming an attribute.
  public static let fields = ["split", "dataset", "identity"]
}

/// A query compiled to SQL over `image i JOIN dataset d`, with every user value bound as a
/// parameter (the SQL text holds only generated aliases and placeholders).
public struct CompiledQuery: Sendable {
  /// `LEFT JOIN image_attribute_word wN …` clauses (attributes past the 62nd) to append after
  /// `FROM image i JOIN dataset d …`.
  public var joins: String
  public var joinArguments: StatementArguments
  /// A boolean SQL expression for the WHERE clause.
  public var condition: String
  public var conditionArguments: StatementArguments

  /// `FROM … WHERE …` for a plain image query, with arguments in order.
  public var fromWhere: (sql: String, arguments: StatementArguments) {
    (
      "FROM image i JOIN dataset d ON d.id = i.dataset_id \(joins) WHERE \(condition)",
      joinArguments + conditionArguments
    )
  }
}

/// Compiles a `QueryExpression` against a vocabulary, with errors that name the token.
public struct QueryCompiler {
  public let vocabulary: QueryVocabulary
  public let source: String
  /// Packed word number → table alias, for each word the expression touches.
  private var words: [Int: String] = [:]

  public init(vocabulary: QueryVocabulary, source: String) {
    self.vocabulary = vocabulary
    self.source = source
  }

  /// Parses and compiles `source`.
  /// Errors are `CatalogError.query`.
  public static func compile(_ source: String, vocabulary: QueryVocabulary) throws -> CompiledQuery {
    let expression: QueryExpression
    do { expression = try QueryParser.parse(source) } catch let error as QueryError { throw CatalogError.query(error) }
    var compiler = QueryCompiler(vocabulary: vocabulary, source: source)
    var arguments = StatementArguments()
    let condition = try compiler.sql(expression, &arguments)
    var joinArguments = StatementArguments()
    let joins = compiler.words.keys.sorted().map { word -> String in
      let alias = compiler.words[word] ?? "w\(word)"
      joinArguments += [word]
      return "LEFT JOIN image_attribute_word \(alias) ON \(alias).image_id = i.id AND \(alias).word = ?"
    }.joined(separator: " ")
    return CompiledQuery(
      joins: joins, joinArguments: joinArguments, condition: condition, conditionArguments: arguments)
  }

  private mutating func sql(_ e: QueryExpression, _ args: inout StatementArguments) throws -> String {
    switch e {
    case .all:
      return "1"
    case .not(let inner):
      return "(NOT \(try sql(inner, &args)))"
    case .and, .or:
      // A chain `a OR b OR c` compiles flat: nested parentheses per operator would grow
      // SQLite's parser stack with the chain's length.
      let isAnd: Bool
      if case .and = e { isAnd = true } else { isAnd = false }
      var operands: [QueryExpression] = []
      var node = e
      while true {
        if isAnd, case .and(let left, let right) = node {
          operands.append(right)
          node = left
        } else if !isAnd, case .or(let left, let right) = node {
          operands.append(right)
          node = left
        } else {
          operands.append(node)
          break
        }
      }
      var parts: [String] = []
      for operand in operands.reversed() { parts.append(try sql(operand, &args)) }
      return "(" + parts.joined(separator: isAnd ? " AND " : " OR ") + ")"
    case .name(let name, let column):
      if let slot = attributeSlot(name) { return attributeTest(slot: slot, positive: true, &args) }
      if let members = group(name) {
        let slots = members.compactMap { attributeSlot($0) }
        guard !slots.isEmpty else {
          throw error(column, name, "group \(name) has no attribute that any dataset in the catalog carries")
        }
        return "(" + slots.map { attributeTest(slot: $0, positive: true, &args) }.joined(separator: " OR ") + ")"
      }
      if QueryVocabulary.fields.contains(name.lowercased()) {
        throw error(column, name, "\(name) needs a value, e.g. \(name) = …")
      }
      if vocabulary.attributeSlots.isEmpty {
        // A catalog that only recorded runs (e.g. after `make demo`) has nothing to query yet.
        throw error(
          column, name,
          "unknown attribute \"\(name)\": no dataset in the catalog has attributes yet (add one with `morph catalog ingest celeba ROOT` or `morph catalog ingest folder`)")
      }
      throw error(column, name, "unknown attribute \"\(name)\"", suggest: name, among: allNames)
    case .comparison(let field, let fieldColumn, let negated, let value, let valueColumn):
      switch field.lowercased() {
      case "split":
        let canonical = ["train": "train", "val": "val", "valid": "val", "validation": "val", "test": "test"]
        guard let split = canonical[value.lowercased()] else {
          throw error(
            valueColumn, value, "unknown split \"\(value)\" (splits are train, val, test)", suggest: value,
            among: ["train", "val", "test"])
        }
        args += [split]
        return negated ? "(i.split != ?)" : "(i.split = ?)"
      case "dataset":
        guard vocabulary.datasets.contains(value) else {
          throw error(valueColumn, value, "unknown dataset \"\(value)\"", suggest: value, among: vocabulary.datasets)
        }
        args += [value]
        return negated ? "(d.name != ?)" : "(d.name = ?)"
      case "identity":
        guard let id = Int(value) else {
          throw error(valueColumn, value, "identity must be an integer, found \"\(value)\"")
        }
        args += [id]
        return negated ? "(i.identity != ?)" : "(i.identity = ?)"
      default:
        guard let slot = attributeSlot(field) else {
          throw error(
            fieldColumn, field, "unknown field or attribute \"\(field)\"", suggest: field,
            among: allNames + QueryVocabulary.fields)
        }
        let positive: Bool
        switch value.lowercased() {
        case "1", "+1", "true", "yes": positive = true
        case "-1", "0", "false", "no": positive = false
        default: throw error(valueColumn, value, "attribute value must be 1 or -1, found \"\(value)\"")
        }
        return attributeTest(slot: slot, positive: positive != negated, &args)
      }
    }
  }

  /// 1 when the attribute has the wanted sign, 0 when the other, NULL when unknown (so that
  /// neither `X` nor `NOT X` selects images whose dataset lacks attribute X).
  private mutating func attributeTest(slot: Int, positive: Bool, _ args: inout StatementArguments) -> String {
    let word = slot / CatalogSchema.bitsPerWord
    let bit = slot % CatalogSchema.bitsPerWord
    // Word 0 sits in the image row itself; later words come from joined rows.
    let (presentColumn, positiveColumn): (String, String)
    if word == 0 {
      (presentColumn, positiveColumn) = ("i.attr_present", "i.attr_positive")
    } else {
      let alias = words[word] ?? "w\(word)"
      words[word] = alias
      (presentColumn, positiveColumn) = ("\(alias).present", "\(alias).positive")
    }
    args += [bit, bit]
    let value = positive ? "((\(positiveColumn) >> ?) & 1)" : "(1 - ((\(positiveColumn) >> ?) & 1))"
    return "(CASE WHEN (\(presentColumn) >> ?) & 1 THEN \(value) END)"
  }

  private func attributeSlot(_ name: String) -> Int? {
    if let slot = vocabulary.attributeSlots[name] { return slot }
    let matches = vocabulary.attributeSlots.filter { $0.key.caseInsensitiveCompare(name) == .orderedSame }
    return matches.count == 1 ? matches.first?.value : nil
  }

  private func group(_ name: String) -> [String]? {
    if let members = vocabulary.groups[name] { return members }
    let matches = vocabulary.groups.filter { $0.key.caseInsensitiveCompare(name) == .orderedSame }
    return matches.count == 1 ? matches.first?.value : nil
  }

  private var allNames: [String] { Array(vocabulary.attributeSlots.keys) + Array(vocabulary.groups.keys) }

  private func error(
    _ column: Int, _ token: String, _ message: String, suggest word: String? = nil, among candidates: [String] = []
  ) -> CatalogError {
    let suggestion = word.flatMap { NameSuggester.nearest(to: $0, among: candidates) }
    return .query(
      QueryError(expression: source, column: column, token: token, message: message, suggestion: suggestion))
  }
}
