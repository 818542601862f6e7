import Foundation
import MorphTensor

/// How well calibrated strengths land: on held-out synthetic pairs per group, solve
/// `strength.GROUP: p=T` for each target `T` with a judge, then read the decoded edit (pasted
/// into the source's frame) with the oracle. A hit is an oracle reading within `tolerance` of
/// the target, counted over the targets the judge found reachable; unreachable ones are
/// counted apart. Also times the solving: wall seconds per calibrated face.
public struct CalibrationEvaluation {
  /// Which judge the solver asks.
  public enum Judge: String, Codable, Sendable, CaseIterable {
    /// The critic's attribute heads on the edited latent.
    case critic
    /// The oracle on the decoded edit (the one that measures, too).
    case oracle
  }

  public var model: HomoInterpModel
  public var oracle: AttributeOracle
  public var judge: Judge
  public var targets: [Double]
  public var tolerance = 0.05
  /// Faces solved together.
  public var batch = 8
  public var renderer = ToyFaceRenderer(width: 178, height: 218)

  public init(model: HomoInterpModel, oracle: AttributeOracle, judge: Judge, targets: [Double]) {
    self.model = model
    self.oracle = oracle
    self.judge = judge
    self.targets = targets
  }

  /// One target of one group.
  public struct TargetScore: Codable, Sendable {
    public var target: Double
    public var faces: Int
    /// Faces whose target the judge found reachable.
    public var reachable: Int
    /// Reachable faces whose oracle reading lands within the tolerance.
    public var hits: Int
    /// Mean |oracle reading − target| over reachable faces.
    public var meanAbsoluteError: Double?
    /// hits / reachable.
    public var hitRate: Double? { reachable > 0 ? Double(hits) / Double(reachable) : nil }
  }

  public struct GroupScore: Codable, Sendable {
    public var group: String
    public var pairs: Int
    public var targets: [TargetScore]
  }

  public struct Report: Codable, Sendable {
    public var judge: String
    public var tolerance: Double
    public var targets: [Double]
    public var groups: [GroupScore]
    public var faces: Int
    public var reachable: Int
    public var hits: Int
    /// Wall seconds of solving per calibrated face (one face, one target), decoding for the
    /// measurement excluded.
    public var secondsPerFace: Double
    public var hitRate: Double? { reachable > 0 ? Double(hits) / Double(reachable) : nil }
  }

  /// Scores every group of `groups` on `pairs` held-out pairs each (as `EvalPair.select`
  /// draws them with `seed`); `progress` gets a line per group.
  public func run(
    records: [ToyFaceRecord], pairs: Int, seed: UInt64, groups: [String], progress: (String) -> Void = { _ in }
  ) throws -> Report {
    guard !targets.isEmpty, targets.allSatisfy({ $0 > 0 && $0 < 1 }) else {
      throw ToyFaceError.badOption("targets must be probabilities within (0, 1), got \(targets)")
    }
    let names = model.config.groups.map(\.name)
    var scores: [GroupScore] = []
    var solving = 0.0, solved = 0
    model.eval()
    for group in groups {
      guard let g = names.firstIndex(of: group) else {
        throw ToyFaceError.badOption("the checkpoint has no group '\(group)' (it has \(names.joined(separator: ", ")))")
      }
      let chosen = try EvalPair.select(from: records, count: pairs, seed: seed, groups: [group])
      var tally = targets.map { TargetScore(target: $0, faces: 0, reachable: 0, hits: 0, meanAbsoluteError: nil) }
      var errors = [Double](repeating: 0, count: targets.count)
      for start in stride(from: 0, to: chosen.count, by: batch) {
        let part = Array(chosen[start..<min(start + batch, chosen.count)])
        let frames = part.map { EvalImage(renderer.render($0.source)) }
        let references = part.map { EvalImage(renderer.render($0.reference)) }
        let size = model.config.imageSize
        let x = try Tensor.concat(
          (frames + references).map { try HomoInterpEvalMethod.input($0, size: size) }, axis: 0)
        let f = try model.encode(x)
        let sources = f.narrow(axis: 0, start: 0, length: part.count)
        let refs = f.narrow(axis: 0, start: part.count, length: part.count)
        let judgeNow: CalibrationJudge =
          judge == .oracle ? .oracle(oracle, model: model, frames: frames) : .critic(model)
        let solver = StrengthSolver(model: model, judge: judgeNow)
        for (t, target) in targets.enumerated() {
          var strengths = [GroupStrength](repeating: .fixed(0), count: names.count)
          strengths[g] = .probability(target)
          let began = Date()
          let faces = try solver.solve(source: sources, reference: refs, strengths: strengths)
          solving += Date().timeIntervalSince(began)
          solved += part.count
          // The oracle measures every edit in its own right, whichever judge solved it.
          var edited: [Tensor] = []
          for (i, face) in faces.enumerated() {
            edited.append(
              try model.interpolate(
                source: sources.narrow(axis: 0, start: i, length: 1), reference: refs.narrow(axis: 0, start: i, length: 1),
                strengths: face.strengths))
          }
          let readings = try CalibrationJudge.oracle(oracle, model: model, frames: frames).read(
            Tensor.concat(edited, axis: 0), Array(part.indices))
          let attributes = ToyFaceAttribute.allCases.map(\.rawValue)
          for (i, face) in faces.enumerated() {
            guard let outcome = face.outcomes.first else { continue }
            tally[t].faces += 1
            guard outcome.reachable else { continue }
            tally[t].reachable += 1
            // The attribute and direction the judge calibrated, read by the oracle.
            guard let column = attributes.firstIndex(of: outcome.attribute) else { continue }
            let p = readings[i][column]
            let reading = outcome.towardPresence ? p : 1 - p
            errors[t] += abs(reading - target)
            if abs(reading - target) <= tolerance { tally[t].hits += 1 }
          }
        }
      }
      for t in tally.indices where tally[t].reachable > 0 { tally[t].meanAbsoluteError = errors[t] / Double(tally[t].reachable) }
      scores.append(GroupScore(group: group, pairs: chosen.count, targets: tally))
      progress(
        "\(group): "
          + tally.map {
            String(format: "p=%.2f %d/%d reachable, %@ within ±%.2f", $0.target, $0.reachable, $0.faces,
              $0.hitRate.map { String(format: "%.0f%%", $0 * 100) } ?? "—", tolerance)
          }.joined(separator: "; "))
    }
    let all = scores.flatMap(\.targets)
    return Report(
      judge: judge.rawValue, tolerance: tolerance, targets: targets, groups: scores, faces: all.reduce(0) { $0 + $1.faces },
      reachable: all.reduce(0) { $0 + $1.reachable }, hits: all.reduce(0) { $0 + $1.hits },
      secondsPerFace: solved > 0 ? solving / Double(solved) : 0)
  }
}
