import Foundation

/// The type of a stage or recipe parameter.
public enum ParameterType: String, Sendable {
  case int, double, string, bool, path

  /// The type in words, for messages ("must be an integer").
  public var phrase: String {
    switch self {
    case .int: return "an integer"
    case .double: return "a number"
    case .string: return "text"
    case .bool: return "true or false"
    case .path: return "a non-empty path"
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
    }
  }
}

/// A typed parameter value.
public enum ParameterValue: Equatable, Sendable, CustomStringConvertible {
  case int(Int), double(Double), string(String), bool(Bool), path(String)

  public var type: ParameterType {
    switch self {
    case .int: return .int
    case .double: return .double
    case .string: return .string
    case .bool: return .bool
    case .path: return .path
    }
  }

  /// The value as written in a recipe (and in canonical cache-key text).
  public var description: String {
    switch self {
    case .int(let v): return String(v)
    case .double(let v): return String(v)
    case .string(let v), .path(let v): return v
    case .bool(let v): return v ? "true" : "false"
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

  /// A JSON fragment for run records.
  var json: String {
    switch self {
    case .int, .double, .bool: return description
    case .string(let v), .path(let v): return JSONText.quote(v)
    }
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
