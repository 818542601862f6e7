import Foundation
import MorphTensor

// MARK: - Judge

/// Reads attribute probabilities from edited latents: the critic's attribute heads on the
/// latent itself, or an oracle on the decoded edit (`CalibrationJudge.oracle`).
public struct CalibrationJudge {
  /// "critic" or the oracle's name, for reports.
  public var name: String
  /// The attributes `read` returns, in order.
  public var attributes: [String]
  /// Probabilities in [0, 1], one row per latent of `latents` ([K, C, s, s]), in `attributes`
  /// order; `faces[k]` is the face (index in the batch being solved) latent `k` edits, for a
  /// judge that reads the edit inside that face's photo.
  public var read: (_ latents: Tensor, _ faces: [Int]) throws -> [[Double]]

  public init(name: String, attributes: [String], read: @escaping (_ latents: Tensor, _ faces: [Int]) throws -> [[Double]]) {
    self.name = name
    self.attributes = attributes
    self.read = read
  }

  /// The critic's attribute heads on the edited latent: no decoding, so a search costs little.
  public static func critic(_ model: HomoInterpModel) -> CalibrationJudge {
    CalibrationJudge(name: "critic", attributes: model.config.attributeNames) { latents, _ in
      let p = try model.attributeProbabilities(latents)
      let a = p.shape[1]
      return (0..<p.shape[0]).map { k in (0..<a).map { Double(p.scalars[k * a + $0]) } }
    }
  }
}

// MARK: - Results

/// What calibrating one group of one face found.
public struct CalibrationOutcome: Equatable, Sendable {
  public var group: String
  /// The group's attribute the judge read: the one whose reading differs most between the
  /// face and the reference.
  public var attribute: String
  /// Whether the reading is the attribute's probability (the reference has more of it) or its
  /// complement (the reference has less): readings always rise toward the reference.
  public var towardPresence: Bool
  /// The reading of the unedited face.
  public var source: Double
  /// The reading asked for (for `delta`, source + delta).
  public var target: Double
  /// The strength found: the solution when reachable, else the searched strength whose
  /// reading came nearest the target.
  public var strength: Float
  /// The judge's reading at `strength`.
  public var reading: Double
  /// Whether some strength in 0…2 reads the target (within the solver's tolerance, or
  /// bracketed by two strengths of the scan).
  public var reachable: Bool
  /// Lowest and highest readings over the scan of 0…2.
  public var lowest: Double
  public var highest: Double

  /// `Smiling` or `not Smiling`: what the reading is the probability of.
  public var readingName: String { towardPresence ? attribute : "not \(attribute)" }

  /// One line for logs and errors.
  public var summary: String {
    let reached = String(format: "%@ %.3f → %.3f (target %.3f) at v = %.3f", readingName, source, reading, target, strength)
    guard !reachable else { return "\(group): \(reached)" }
    return "\(group): target \(readingName) \(String(format: "%.3f", target)) is out of reach within v ∈ [0, 2] "
      + String(format: "(readings %.3f…%.3f); nearest: %@", lowest, highest, reached)
  }
}

/// One face's solved strengths and what each calibrated group reached.
public struct CalibratedFace: Sendable {
  /// One strength per group of the model (fixed ones as given).
  public var strengths: [Float]
  /// One per calibrated group, in group order.
  public var outcomes: [CalibrationOutcome]
}

/// A target the judge cannot read.
public enum StrengthCalibrationError: Error, CustomStringConvertible, Equatable {
  case unreadableGroup(group: String, judge: String, attributes: [String])

  public var description: String {
    switch self {
    case .unreadableGroup(let group, let judge, let attributes):
      return "strength.\(group): the \(judge) reads none of the group's attributes (\(attributes.joined(separator: ", "))), "
        + "so no target can be calibrated for it: give a strength 0…2 or another judge"
    }
  }
}

// MARK: - Solver

/// Solves, per face, the strength of each calibrated group (`p=` or `delta=`) so that the
/// judge reads the target.
///
/// The interpolation `F_a + Σ_i v_i · T_i(F_b − F_a)` is linear in the strengths once each
/// branch has run, so every branch runs once and each candidate `v` costs only the judge's
/// reading. A coarse scan of 0…2 finds the first strength interval whose readings bracket
/// the target, and bisection narrows it; a target no scanned interval brackets is out of
/// reach (the nearest scanned strength is kept and the outcome says so). Groups are solved
/// in order, each with the strengths of the groups before it already solved.
public struct StrengthSolver {
  public var model: HomoInterpModel
  public var judge: CalibrationJudge
  /// The scan's intervals over 0…2 (4: v = 0, 0.5, 1, 1.5, 2).
  public var scanSteps = 4
  /// Bisection steps at most (each halves the interval).
  public var iterations = 10
  /// A reading this close to the target ends the bisection.
  public var tolerance = 0.004

  public init(model: HomoInterpModel, judge: CalibrationJudge) {
    self.model = model
    self.judge = judge
  }

  /// Strengths per face for `source` [N, C, s, s] moved toward `reference` ([N or 1, …]),
  /// `strengths` one per group of the model; `residual` as in `HomoInterpModel.interpolate`.
  public func solve(source: Tensor, reference: Tensor, strengths: [GroupStrength], residual: Float? = nil) throws -> [CalibratedFace] {
    let config = model.config, groups = config.groups
    guard strengths.count == groups.count else {
      throw HomoInterpError.badStrengths(expected: groups.count, found: strengths.map(\.fixedValue))
    }
    try model.checkLatent(source, "calibrate(source:)")
    try model.checkLatent(reference, "calibrate(reference:)")
    let n = source.shape[0]
    let fixed = strengths.map(\.fixedValue)
    let calibrated = strengths.indices.filter { strengths[$0].isCalibrated }
    guard !calibrated.isEmpty else { return (0..<n).map { _ in CalibratedFace(strengths: fixed, outcomes: []) } }
    // Which judge columns read each calibrated group.
    var columns: [Int: [Int]] = [:]
    for g in calibrated {
      let found = groups[g].attributes.compactMap { judge.attributes.firstIndex(of: $0) }
      guard !found.isEmpty else {
        throw StrengthCalibrationError.unreadableGroup(group: groups[g].name, judge: judge.name, attributes: groups[g].attributes)
      }
      columns[g] = found
    }
    let ref = reference.shape[0] == n ? reference : reference.broadcast(to: source.shape)
    let lattice = try Lattice(model: model, source: source, reference: ref, used: strengths.indices.filter { fixed[$0] != 0 || strengths[$0].isCalibrated }, residual: residual)

    let sourceReadings = try judge.read(source, Array(0..<n))
    let referenceReadings = try judge.read(ref, Array(0..<n))
    var current = (0..<n).map { _ in fixed }
    var outcomes = [[CalibrationOutcome]](repeating: [], count: n)
    for g in calibrated {
      // Per face: the attribute that differs most, read in the reference's direction.
      let picks: [(column: Int, toward: Bool)] = (0..<n).map { i in
        let best = columns[g, default: []].max { a, b in
          abs(referenceReadings[i][a] - sourceReadings[i][a]) < abs(referenceReadings[i][b] - sourceReadings[i][b])
        } ?? 0
        return (best, referenceReadings[i][best] >= sourceReadings[i][best])
      }
      func reading(_ row: [Double], face i: Int) -> Double {
        let p = min(max(row[picks[i].column], 0), 1)
        return picks[i].toward ? p : 1 - p
      }
      let start = (0..<n).map { reading(sourceReadings[$0], face: $0) }
      let targets: [Double] = (0..<n).map { i in
        if case .delta(let d) = strengths[g] { return start[i] + d }
        if case .probability(let p) = strengths[g] { return p }
        return 0
      }
      // Scan.
      let grid = (0...scanSteps).map { Float(2 * Double($0) / Double(scanSteps)) }
      var rows: [(face: Int, v: [Float])] = []
      for i in 0..<n {
        for v in grid {
          var s = current[i]
          s[g] = v
          rows.append((i, s))
        }
      }
      let scanned = try judge.read(lattice.latents(rows), rows.map(\.face))
      var scan = [[Double]](repeating: [], count: n)
      for (k, row) in rows.enumerated() { scan[row.face].append(reading(scanned[k], face: row.face)) }

      // Brackets, then bisection of every bracketed face together.
      var lo = [Float](repeating: 0, count: n), hi = lo, best = lo
      var loReading = [Double](repeating: 0, count: n), bestReading = loReading
      var open = [Bool](repeating: false, count: n)
      var reachable = [Bool](repeating: false, count: n)
      for i in 0..<n {
        let t = targets[i], r = scan[i]
        let nearest = r.indices.min { abs(r[$0] - t) < abs(r[$1] - t) } ?? 0
        best[i] = grid[nearest]
        bestReading[i] = r[nearest]
        guard t > 0, t < 1 else { continue }
        if abs(r[nearest] - t) <= tolerance {
          reachable[i] = true
          continue
        }
        if let k = (0..<scanSteps).first(where: { (r[$0] - t) * (r[$0 + 1] - t) <= 0 }) {
          reachable[i] = true
          open[i] = true
          lo[i] = grid[k]
          hi[i] = grid[k + 1]
          loReading[i] = r[k]
        }
      }
      for _ in 0..<iterations {
        let active = (0..<n).filter { open[$0] }
        if active.isEmpty { break }
        let mids = active.map { (lo[$0] + hi[$0]) / 2 }
        let midRows: [(face: Int, v: [Float])] = zip(active, mids).map { i, m in
          var s = current[i]
          s[g] = m
          return (i, s)
        }
        let read = try judge.read(lattice.latents(midRows), active)
        for (k, i) in active.enumerated() {
          let r = reading(read[k], face: i), t = targets[i]
          if abs(r - t) < abs(bestReading[i] - t) {
            best[i] = mids[k]
            bestReading[i] = r
          }
          if abs(r - t) <= tolerance {
            open[i] = false
          } else if (loReading[i] - t) * (r - t) <= 0 {
            hi[i] = mids[k]
          } else {
            lo[i] = mids[k]
            loReading[i] = r
          }
        }
      }
      for i in 0..<n {
        current[i][g] = best[i]
        outcomes[i].append(
          CalibrationOutcome(
            group: groups[g].name, attribute: judge.attributes[picks[i].column], towardPresence: picks[i].toward,
            source: start[i], target: targets[i], strength: best[i], reading: bestReading[i], reachable: reachable[i],
            lowest: scan[i].min() ?? 0, highest: scan[i].max() ?? 0))
      }
    }
    return (0..<n).map { CalibratedFace(strengths: current[$0], outcomes: outcomes[$0]) }
  }
}

/// The edited latents of a batch for any strengths, from each used branch's output computed
/// once: `F_a + Σ_j v_j · T_j + r · T_residual`.
struct Lattice {
  let source: [Float]
  let branches: [Int: [Float]]
  let residualBranch: [Float]?
  let residual: Float?
  let shape: [Int]
  let per: Int

  init(model: HomoInterpModel, source: Tensor, reference: Tensor, used: [Int], residual: Float?) throws {
    let config = model.config
    // The automatic residual strength is the smallest group strength: non-zero only when every
    // group moves.
    let residualMoves = config.hasResidualBranch && (residual.map { $0 != 0 } ?? (used.count == config.groups.count))
    let indices = used + (residualMoves ? [config.groups.count] : [])
    let outputs = try withoutGrad {
      try model.interpolator.branchOutputs(source: source, reference: reference, indices: indices)
    }
    self.source = source.scalars
    branches = Dictionary(uniqueKeysWithValues: used.compactMap { k in outputs[k].map { (k, $0.scalars) } })
    residualBranch = residualMoves ? outputs[config.groups.count]?.scalars : nil
    self.residual = residual
    shape = Array(source.shape.dropFirst())
    per = shape.reduce(1, *)
  }

  /// Latents [rows.count, C, s, s]: row `k` is face `rows[k].face` at strengths `rows[k].v`.
  func latents(_ rows: [(face: Int, v: [Float])]) -> Tensor {
    var out = [Float](repeating: 0, count: rows.count * per)
    out.withUnsafeMutableBufferPointer { dst in
      for (k, row) in rows.enumerated() {
        let base = k * per, from = row.face * per
        source.withUnsafeBufferPointer { src in
          for p in 0..<per { dst[base + p] = src[from + p] }
        }
        var terms: [(Float, [Float])] = branches.compactMap { j, t in row.v[j] == 0 ? nil : (row.v[j], t) }
        if let r = residualBranch {
          let strength = residual ?? (row.v.min() ?? 0)
          if strength != 0 { terms.append((strength, r)) }
        }
        for (v, t) in terms {
          t.withUnsafeBufferPointer { src in
            for p in 0..<per { dst[base + p] += v * src[from + p] }
          }
        }
      }
    }
    return Tensor(shape: [rows.count] + shape, scalars: out)
  }
}
