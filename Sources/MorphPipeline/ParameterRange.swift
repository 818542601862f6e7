import Foundation

/// The values a stage parameter allows beyond its type, declared once beside the parameter:
/// `morph validate` refuses any other value at its `file:line:col`, and `morph stages` shows
/// the range, so a stage's start never meets a value out of it.
public enum ParameterRange: Sendable {
  /// Integers within the bounds (`Int.max` as the upper bound means "at least").
  case integers(ClosedRange<Int>)
  /// Numbers within the bounds (`.infinity` as the upper bound means "at least").
  case numbers(ClosedRange<Double>)
  /// One of these words.
  case oneOf([String])

  /// Integers of at least `minimum`.
  public static func atLeast(_ minimum: Int) -> ParameterRange { .integers(minimum...Int.max) }

  /// What is wrong with `value`, or nil when it is allowed.
  public func problem(_ value: ParameterValue) -> String? {
    let allowed: Bool
    switch self {
    case .integers(let range): allowed = value.intValue.map(range.contains) ?? false
    case .numbers(let range): allowed = value.doubleValue.map(range.contains) ?? false
    case .oneOf(let words): allowed = value.stringValue.map(words.contains) ?? false
    }
    return allowed ? nil : "must be \(phrase), got \(value)"
  }

  /// The allowed values in words: `within 1…100`, `at least 1`, `png, jpg or webp`.
  public var phrase: String {
    switch self {
    case .integers(let range):
      return range.upperBound == Int.max ? "at least \(range.lowerBound)" : "within \(range.lowerBound)…\(range.upperBound)"
    case .numbers(let range):
      let low = Self.decimal(range.lowerBound)
      return range.upperBound == .infinity ? "at least \(low)" : "within \(low)…\(Self.decimal(range.upperBound))"
    case .oneOf(let words):
      guard words.count > 1, let last = words.last else { return words.first ?? "" }
      return "one of " + words.dropLast().joined(separator: ", ") + " or " + last
    }
  }

  static func decimal(_ x: Double) -> String {
    x == x.rounded() && abs(x) < 1e15 ? String(Int(x)) : String(x)
  }
}
