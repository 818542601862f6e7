import Foundation
import MorphModels

/// Parameters the HomoInterp stages share: per-group strengths, strength lists and group lists,
/// each with a check the validator reports at the value's `line:column`.
enum HomoInterpParameters {
  static let strengthRange: ClosedRange<Double> = 0...2

  /// `strength.<group>` for each default attribute group: a strength 0…2, or a target the
  /// judge should read (`p=0.9`, `delta=+0.3`) for which the stage solves the strength per face.
  static var groupStrengths: [ParameterSpec] {
    AttributeGroup.defaultGroups.map { group in
      ParameterSpec(
        "strength.\(group.name)", .string, default: .string("0"),
        "How far \(group.name) (\(group.attributes.joined(separator: ", "))) moves toward the reference: 0…2, "
          + "or a target the judge reads, p=0.9 or delta=+0.3.",
        check: checkStrength)
    }
  }

  /// `strength.NAME` for any other group a checkpoint has (a branch added by
  /// `morph train branch`): the same values as the default groups'.
  static let anyGroupStrength = ParameterSpec(
    "strength.*", .string, default: .string("0"),
    "Strength of any other group of the checkpoint (`strength.NAME`), as the default groups': 0…2, p=0.9 or delta=+0.3.",
    check: checkStrength)

  @Sendable static func checkStrength(_ value: ParameterValue) -> String? {
    do { _ = try GroupStrength.parse(value.description) } catch { return "\(error)" }
    return nil
  }

  /// `strengths: "group=value, …"` for groups of any name (checkpoints with custom groups).
  static let strengthsSpec = ParameterSpec(
    "strengths", .string, default: .string(""),
    "More per-group strengths as `group=value, …` (any group name of the checkpoint): 0…2, p=0.9 or delta=+0.3 each.",
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

  /// Parses `"expression=0.7, age=p=0.9"` into (group, strength) pairs, in order.
  static func namedStrengths(_ text: String) throws -> [(group: String, value: GroupStrength)] {
    try nameList(text).map { pair in
      let parts = pair.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
      guard parts.count == 2, !parts[0].isEmpty else {
        throw Problem(description: "`\(pair)` is not group=value")
      }
      do { return (parts[0], try GroupStrength.parse(parts[1])) } catch {
        throw Problem(description: "\(parts[0]): \(error)")
      }
    }
  }

  /// Comma-separated words, trimmed, empty ones dropped.
  static func nameList(_ text: String) -> [String] {
    text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
  }

  /// The strength per checkpoint group from `strength.<group>` (default groups and any other
  /// name) and `strengths`; a non-zero strength for a group the checkpoint does not have is an
  /// error listing the groups it has.
  static func strengths(_ context: StageContext, groups: [String]) throws -> [GroupStrength] {
    var values = [GroupStrength](repeating: .fixed(0), count: groups.count)
    var given: [(String, GroupStrength)] = []
    for key in context.parameters.keys.sorted() where key.hasPrefix("strength.") {
      let text = context.parameters[key]?.description ?? "0"
      let strength: GroupStrength
      do { strength = try GroupStrength.parse(text) } catch {
        throw PipelineError.stage(stage: context.stageID, message: "\(key): \(error)")
      }
      if strength != .fixed(0) { given.append((String(key.dropFirst("strength.".count)), strength)) }
    }
    do { given += try namedStrengths(context.string("strengths")).map { ($0.group, $0.value) } } catch {
      throw PipelineError.stage(stage: context.stageID, message: "strengths: \(error)")
    }
    for (name, v) in given {
      guard let index = groups.firstIndex(of: name) else {
        throw PipelineError.stage(stage: context.stageID, message: unknownGroup(name, groups: groups))
      }
      values[index] = v
    }
    return values
  }

  /// "the checkpoint has no attribute group `x`" with a suggestion and the groups it has.
  static func unknownGroup(_ name: String, groups: [String]) -> String {
    "the checkpoint has no attribute group `\(name)`" + Suggest.hint(name, among: groups)
      + "; its groups are \(groups.joined(separator: ", "))"
  }

  /// For `morph validate`: the groups given a non-zero strength that the checkpoint named by
  /// `checkpoint` lacks (reads only its JSON; nil when it cannot be read, for the stage reports
  /// a missing checkpoint when it starts).
  @Sendable static func checkGroups(_ values: [String: ParameterValue]) -> String? {
    guard let path = values["checkpoint"]?.stringValue else { return nil }
    let url = path.hasPrefix("/")
      ? URL(fileURLWithPath: path) : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
    guard let info = try? HomoInterpModel.readInfo(HomoInterpModel.checkpointPaths(url).metadata) else { return nil }
    let groups = info.config.groups.map(\.name)
    // (parameter, group) for every strength given.
    var named: [(String, String)] = []
    for (key, value) in values.sorted(by: { $0.key < $1.key }) where key.hasPrefix("strength.") {
      if let s = try? GroupStrength.parse(value.description), s != .fixed(0) { named.append((key, String(key.dropFirst("strength.".count)))) }
    }
    named += ((try? namedStrengths(values["strengths"]?.stringValue ?? "")) ?? []).filter { $0.value != .fixed(0) }.map { ("strengths", $0.group) }
    guard let (key, bad) = named.first(where: { !groups.contains($0.1) }) else { return nil }
    return "\(key): " + unknownGroup(bad, groups: groups)
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
