import Foundation

/// How far one attribute group moves toward the reference: a strength `v` as such, or a
/// reading the judge should reach, for which Morph solves `v` per face (`StrengthSolver`).
///
/// Written `0.7` (a strength in 0…2), `p=0.9` (the judge reads the group's attribute, in the
/// reference's direction, at probability 0.9) or `delta=+0.3` (0.3 more than it reads on the
/// unedited face).
public enum GroupStrength: Equatable, Sendable, CustomStringConvertible {
  case fixed(Float)
  case probability(Double)
  case delta(Double)

  public static let strengthRange: ClosedRange<Double> = 0...2

  /// Whether Morph solves for the strength.
  public var isCalibrated: Bool {
    if case .fixed = self { return false }
    return true
  }

  /// The fixed strength (0 for calibrated ones until solved).
  public var fixedValue: Float {
    if case .fixed(let v) = self { return v }
    return 0
  }

  public var description: String {
    switch self {
    case .fixed(let v): return String(v)
    case .probability(let p): return "p=\(p)"
    case .delta(let d): return "delta=\(d >= 0 ? "+" : "")\(d)"
    }
  }

  /// A problem with a strength's text: says what was written and what is allowed.
  public struct ParseError: Error, CustomStringConvertible, Equatable {
    public var description: String
  }

  /// Parses `0.7`, `p=0.9` or `delta=+0.3` (spaces allowed around `=`).
  public static func parse(_ text: String) throws -> GroupStrength {
    let trimmed = text.trimmingCharacters(in: .whitespaces)
    if let v = Double(trimmed) {
      guard v.isFinite, strengthRange.contains(v) else {
        throw ParseError(description: "must be within 0…2, got \(trimmed)")
      }
      return .fixed(Float(v))
    }
    let parts = trimmed.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
    guard parts.count == 2 else {
      throw ParseError(description: "`\(trimmed)` is neither a strength 0…2 nor a target `p=0.9` or `delta=+0.3`")
    }
    guard let value = Double(parts[1]), value.isFinite else {
      throw ParseError(description: "`\(parts[1])` in `\(trimmed)` is not a number")
    }
    switch parts[0].lowercased() {
    case "p":
      // A sigmoid never reads exactly 0 or 1, so those targets could never be met.
      guard value > 0, value < 1 else {
        throw ParseError(description: "target probability p=\(parts[1]) is outside (0, 1): give a value between 0 and 1, e.g. p=0.9")
      }
      return .probability(value)
    case "delta":
      guard value != 0, abs(value) < 1 else {
        throw ParseError(description: "delta=\(parts[1]) must be non-zero and within (-1, 1), e.g. delta=+0.3")
      }
      return .delta(value)
    default:
      throw ParseError(description: "`\(parts[0])=` is not a target: write p=0.9 (a probability) or delta=+0.3 (a change)")
    }
  }
}
