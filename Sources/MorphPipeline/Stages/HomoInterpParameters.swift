import Foundation
import MorphModels

/// Parameters the HomoInterp stages share: per-group strengths, strength lists and group lists,
/// each with a check the validator reports at the value's `line:column`.
enum HomoInterpParameters {
  static let strengthRange: ClosedRange<Double> = 0...2

  /// `strength.<group>` for each default attribute group, 0…2.
  static var groupStrengths: [ParameterSpec] {
    AttributeGroup.defaultGroups.map { group in
      ParameterSpec(
        "strength.\(group.name)", .double, default: .double(0),
        "How far \(group.name) (\(group.attributes.joined(separator: ", "))) moves toward the reference, 0…2.",
        check: { value in
          guard let v = value.doubleValue, strengthRange.contains(v) else { return "must be within 0…2, got \(value)" }
          return nil
        })
    }
  }

  /// `strengths: "group=value, …"` for groups of any name (checkpoints with custom groups).
  static let strengthsSpec = ParameterSpec(
    "strengths", .string, default: .string(""),
    "More per-group strengths as `group=value, …` (any group name of the checkpoint), 0…2 each.",
    check: { value in
      do { _ = try namedStrengths(value.stringValue ?? "") } catch { return "\(error)" }
      return nil
    })

  /// `sweep: "0, 0.5, 1"`: strengths for sweeps and sheets.
  static func sweepSpec(_ summary: String) -> ParameterSpec {
    ParameterSpec(
      "sweep", .string, default: .string(""), summary,
      check: { value in
        do { _ = try strengthList(value.stringValue ?? "") } catch { return "\(error)" }
        return nil
      })
  }

  /// `sweep_groups: "expression, age"`: one row per group (`all`: every group together;
  /// `each`: one row per checkpoint group).
  static func sweepGroupsSpec(_ summary: String) -> ParameterSpec {
    ParameterSpec(
      "sweep_groups", .string, default: .string(""), summary,
      check: { value in
        let names = nameList(value.stringValue ?? "")
        if let bad = names.first(where: { !$0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" } }) {
          return "`\(bad)` is not a group name (write names separated by commas)"
        }
        return nil
      })
  }

  /// A problem with a strength text, thrown by the parsers below.
  struct Problem: Error, CustomStringConvertible {
    var description: String
  }

  /// Parses `"0, 0.25, 1"`; every value must be a number within 0…2.
  static func strengthList(_ text: String) throws -> [Float] {
    try nameList(text).map { word in
      guard let v = Double(word), v.isFinite else { throw Problem(description: "`\(word)` is not a number") }
      guard strengthRange.contains(v) else { throw Problem(description: "strength \(word) is outside 0…2") }
      return Float(v)
    }
  }

  /// Parses `"expression=0.7, age=1"` into (group, strength) pairs, in order.
  static func namedStrengths(_ text: String) throws -> [(group: String, value: Float)] {
    try nameList(text).map { pair in
      let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty else {
        throw Problem(description: "`\(pair)` is not group=value")
      }
      guard let v = Double(parts[1]), v.isFinite else { throw Problem(description: "`\(parts[1])` is not a number") }
      guard strengthRange.contains(v) else { throw Problem(description: "strength \(parts[1]) of \(parts[0]) is outside 0…2") }
      return (parts[0], Float(v))
    }
  }

  /// Comma-separated words, trimmed, empty ones dropped.
  static func nameList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// The strength per checkpoint group from `strength.<group>` and `strengths`; a non-zero
  /// strength for a group the checkpoint does not have is an error listing the groups it has.
  static func strengths(_ context: StageContext, groups: [String]) throws -> [Float] {
    var values = [Float](repeating: 0, count: groups.count)
    var given: [(String, Float)] = []
    for group in AttributeGroup.defaultGroups {
      let v = Float(context.double("strength.\(group.name)"))
      if v != 0 { given.append((group.name, v)) }
    }
    do { given += try namedStrengths(context.string("strengths")).map { ($0.group, $0.value) } } catch {
      throw PipelineError.stage(stage: context.stageID, message: "strengths: \(error)")
    }
    for (name, v) in given {
      guard let index = groups.firstIndex(of: name) else {
        throw PipelineError.stage(
          stage: context.stageID,
          message: "the checkpoint has no attribute group `\(name)`" + Suggest.hint(name, among: groups)
            + "; its groups are \(groups.joined(separator: ", "))")
      }
      values[index] = v
    }
    return values
  }

  /// The rows of a sweep: the groups named in `sweep_groups` (every checkpoint group when
  /// empty); `each` stands for every checkpoint group, one row each, and `all` is a row where
  /// every group moves together.
  static func sweepRows(_ context: StageContext, groups: [String]) throws -> [String] {
    try expandRows(nameList(context.string("sweep_groups")), groups: groups, stage: context.stageID)
  }

  static func expandRows(_ names: [String], groups: [String], stage: String) throws -> [String] {
    if names.isEmpty { return groups }
    var rows: [String] = []
    for name in names {
      if name == "each" {
        rows += groups
      } else if name == "all" || groups.contains(name) {
        rows.append(name)
      } else {
        throw PipelineError.stage(
          stage: stage,
          message: "sweep_groups: the checkpoint has no attribute group `\(name)`" + Suggest.hint(name, among: groups + ["all", "each"])
            + "; its groups are \(groups.joined(separator: ", ")) (or `all`, `each`)")
      }
    }
    return rows
  }
}
