import Foundation

/// The type of a stage or recipe parameter.
public enum ParameterType: String, Sendable {
  case int, double, string, bool, path
  /// A list of mappings written as YAML under the parameter (`phases:`), each field a value or
  /// a list of values; not settable with `--set` (its fields can use `${params.NAME}`).
  case list

  /// The type in words, for messages ("must be an integer").
  public var phrase: String {
    switch self {
    case .int: return "an integer"
    case .double: return "a number"
    case .string: return "text"
    case .bool: return "true or false"
    case .path: return "a non-empty path"
    case .list: return "a list of mappings (one `- key: value` entry each)"
    }
  }

  /// Parses `text` (a YAML scalar or a `--set` value) as this type, or nil when it is not one.
  public func parse(_ text: String) -> ParameterValue? {
    switch self {
    case .int: return Int(text).map(ParameterValue.int)
    case .double: return Double(text).flatMap { $0.isFinite ? ParameterValue.double($0) : nil }
    case .bool:
      switch text.lowercased() {
      case "true", "yes", "on": return .bool(true)
      case "false", "no", "off": return .bool(false)
      default: return nil
      }
    case .string: return .string(text)
    case .path: return text.isEmpty ? nil : .path(text)
    case .list: return nil
    }
  }
}

/// A typed parameter value.
public enum ParameterValue: Equatable, Sendable, CustomStringConvertible {
  case int(Int), double(Double), string(String), bool(Bool), path(String)
  case list([ParameterRecord])

  public var type: ParameterType {
    switch self {
    case .int: return .int
    case .double: return .double
    case .string: return .string
    case .bool: return .bool
    case .path: return .path
    case .list: return .list
    }
  }

  /// The value as written in a recipe (and in canonical cache-key text).
  public var description: String {
    switch self {
    case .int(let v): return String(v)
    case .double(let v): return String(v)
    case .string(let v), .path(let v): return v
    case .bool(let v): return v ? "true" : "false"
    case .list(let records): return "[" + records.map(\.description).joined(separator: ", ") + "]"
    }
  }

  public var intValue: Int? { if case .int(let v) = self { return v } else { return nil } }
  public var doubleValue: Double? {
    switch self {
    case .double(let v): return v
    case .int(let v): return Double(v)
    default: return nil
    }
  }
  public var stringValue: String? {
    switch self {
    case .string(let v), .path(let v): return v
    default: return nil
    }
  }
  public var boolValue: Bool? { if case .bool(let v) = self { return v } else { return nil } }
  public var listValue: [ParameterRecord]? { if case .list(let v) = self { return v } else { return nil } }

  /// A JSON fragment for run records.
  var json: String {
    switch self {
    case .int, .double, .bool: return description
    case .string(let v), .path(let v): return JSONText.quote(v)
    case .list: return JSONText.quote(description)
    }
  }
}

/// One entry of a list parameter: its fields in the order written, each value as text (a YAML
/// list of values is joined with ", ").
public struct ParameterRecord: Equatable, Sendable, CustomStringConvertible {
  public struct Field: Equatable, Sendable {
    public var key: String
    public var value: String

    public init(_ key: String, _ value: String) {
      self.key = key
      self.value = value
    }
  }

  public var fields: [Field]

  public init(_ fields: [Field]) { self.fields = fields }

  /// The value of `key`, or nil when the entry does not give it.
  public subscript(key: String) -> String? { fields.first { $0.key == key }?.value }

  /// `{key: value, …}` in the order written (canonical text for cache keys and run records).
  public var description: String { "{" + fields.map { "\($0.key): \($0.value)" }.joined(separator: ", ") + "}" }
}

/// What is wrong with one entry of a list parameter: its index, the field at fault (nil: the
/// entry as a whole) and the message. The validator points at that field's line.
public struct ListProblem: Error, Equatable, Sendable {
  public var index: Int
  public var field: String?
  public var message: String

  public init(index: Int, field: String? = nil, _ message: String) {
    self.index = index
    self.field = field
    self.message = message
  }
}

/// Minimal JSON text helpers (for events and run records written line by line).
enum JSONText {
  static func quote(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
      }
    }
    return out + "\""
  }

  static func object(_ pairs: [(String, String)]) -> String {
    "{" + pairs.map { "\(quote($0.0)):\($0.1)" }.joined(separator: ",") + "}"
  }
}
