import Foundation

/// Chooses, group by group, which of several snapshots' interpolator branches edits best.
///
/// Each candidate method (one per checkpoint) edits pairs drawn in one group at a time; the
/// oracle's edit success on those pairs scores the candidate's branch for that group, and the
/// best score wins (a tie keeps the earlier candidate, so list the base first). Run it on a
/// face set the models never trained on and the reported evaluation never tests on: scores
/// chosen on the test pairs would flatter the result.
public struct BranchSelection: Codable, Sendable {
  /// Candidate names in the order given (the base first).
  public var candidates: [String]
  /// The groups scored, in order.
  public var groups: [String]
  /// Edit success per candidate (outer, `candidates` order) and group (inner, `groups` order).
  public var editSuccess: [[Double]]
  /// Transfer per candidate and group, reported beside edit success.
  public var transfer: [[Double]]
  /// Pairs scored per group.
  public var pairs: Int
  /// The winning candidate's index per group.
  public var picks: [Int]

  /// The winner of each column of `scores` (rows = candidates): the highest score, ties to the
  /// earlier row.
  public static func picks(_ scores: [[Double]], groups: Int) -> [Int] {
    (0..<groups).map { g in
      var best = 0
      for c in scores.indices where scores[c][g] > scores[best][g] { best = c }
      return best
    }
  }

  /// Scores every method of `candidates` on `pairs` pairs drawn in each of `groups` from the
  /// held-out faces of `records` (seeded by `seed`), then picks per group. Throws when the
  /// evaluation has no oracle (edit success needs one) or a group yields no pairs.
  /// `progress` hears each (candidate, group) as it finishes.
  public static func run(
    candidates: [InterpolationMethod], names: [String], groups: [String], records: [ToyFaceRecord], pairs: Int, seed: UInt64,
    evaluation: InterpolationEvaluation, progress: (String, String, Double) -> Void = { _, _, _ in }
  ) throws -> BranchSelection {
    guard evaluation.oracle != nil else {
      throw ToyFaceError.badOption("choosing branches needs an oracle (--oracle): edit success is the oracle's reading")
    }
    guard !candidates.isEmpty, candidates.count == names.count else {
      throw ToyFaceError.badOption("choosing branches needs at least one candidate, each with a name")
    }
    guard pairs > 0 else { throw ToyFaceError.badOption("--pairs must be positive, got \(pairs)") }
    var success = Array(repeating: [Double](repeating: 0, count: groups.count), count: candidates.count)
    var transfer = success
    for (g, group) in groups.enumerated() {
      let chosen = try EvalPair.select(from: records, count: pairs, seed: seed, groups: [group])
      guard !chosen.isEmpty else { throw ToyFaceError.badOption("no pairs could be formed in group '\(group)'") }
      for (c, method) in candidates.enumerated() {
        let report = try evaluation.run(methods: [method], pairs: chosen).reports[0]
        let metrics = report.groups.first { $0.group == group } ?? report.overall
        success[c][g] = metrics.editSuccess ?? 0
        transfer[c][g] = metrics.transfer ?? 0
        progress(names[c], group, success[c][g])
      }
    }
    return BranchSelection(
      candidates: names, groups: groups, editSuccess: success, transfer: transfer, pairs: pairs,
      picks: picks(success, groups: groups.count))
  }

  /// Group → winning candidate name, for the groups whose winner is not the base (row 0).
  public var grafts: [String: String] {
    var out: [String: String] = [:]
    for (g, c) in picks.enumerated() where c != 0 { out[groups[g]] = candidates[c] }
    return out
  }

  /// Markdown: candidates × groups edit success, the picks in bold, and the picked mean.
  public var markdown: String {
    var out = "| candidate | " + groups.joined(separator: " | ") + " | mean |\n"
    out += "| --- |" + String(repeating: " ---: |", count: groups.count + 1) + "\n"
    for (c, name) in candidates.enumerated() {
      let cells = groups.indices.map { g in
        let cell = String(format: "%.3f", editSuccess[c][g])
        return picks[g] == c ? "**\(cell)**" : cell
      }
      let mean = editSuccess[c].reduce(0, +) / Double(max(1, groups.count))
      out += "| \(name) | " + cells.joined(separator: " | ") + String(format: " | %.3f |\n", mean)
    }
    let picked = groups.indices.map { editSuccess[picks[$0]][$0] }.reduce(0, +) / Double(max(1, groups.count))
    out += String(format: "\nchosen per group: mean edit success %.3f on these pairs (optimistic: chosen on them)\n", picked)
    return out
  }
}
