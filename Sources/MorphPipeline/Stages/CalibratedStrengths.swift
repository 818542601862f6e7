import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphTensor

/// The interpolate stage's calibrated strengths (`strength.GROUP: p=0.9` or `delta=+0.3`):
/// which judge solves them, what an unreachable target does, and the per-face record in the
/// catalog. The solving itself is `StrengthSolver`'s (MorphModels).
struct CalibratedStrengths {
  let oracle: AttributeOracle?
  let failUnreachable: Bool

  static let parameters: [ParameterSpec] = [
    ParameterSpec(
      "oracle", .string, default: .string(""),
      "Judge of calibrated strengths (p=, delta=): an attribute oracle checkpoint reading the decoded edit in its "
        + "CelebA-layout photo; empty = the critic's attribute heads on the latent."),
    ParameterSpec(
      "unreachable", .string, default: .string("nearest"),
      "A calibrated target no strength in 0…2 reaches: nearest (edit at the strength that reads closest, recorded as "
        + "unreachable) or fail (the face fails with the readings it could reach).",
      check: { v in ["nearest", "fail"].contains(v.stringValue ?? "") ? nil : "must be nearest or fail, got \(v)" }),
  ]

  init(_ context: StageContext) throws {
    failUnreachable = context.string("unreachable") == "fail"
    guard !context.string("oracle").isEmpty else {
      oracle = nil
      return
    }
    let url = context.url("oracle")
    guard FileManager.default.fileExists(atPath: url.path) else {
      throw PipelineError.file(path: url.path, message: "oracle checkpoint not found (oracle: \(context.string("oracle")))")
    }
    do { oracle = try AttributeOracle.load(url) } catch {
      throw PipelineError.file(path: url.path, message: "cannot load the oracle: \(error)")
    }
  }

  /// Solves the strengths of every face of a micro-batch: a face whose photo the oracle cannot
  /// read, or (with `unreachable: fail`) whose target is out of reach, fails alone.
  func solve(
    items: [Item], sources: Tensor, references: Tensor, strengths: [GroupStrength], residual: Float?, model: HomoInterpModel,
    stage: String
  ) throws -> [Result<CalibratedFace, Error>] {
    var results = [Result<CalibratedFace, Error>?](repeating: nil, count: items.count)
    var frames: [EvalImage] = []
    var solvable: [Int] = []
    for (i, item) in items.enumerated() {
      guard oracle != nil else {
        solvable.append(i)
        continue
      }
      do {
        frames.append(try HomoInterpScoreStage.oraclePhoto(of: item, stage: stage))
        solvable.append(i)
      } catch { results[i] = .failure(error) }
    }
    if !solvable.isEmpty {
      let pick = { (t: Tensor) in
        t.shape[0] == 1 ? t : Tensor.concat(solvable.map { t.narrow(axis: 0, start: $0, length: 1) }, axis: 0)
      }
      let judge: CalibrationJudge = oracle.map { .oracle($0, model: model, frames: frames) } ?? .critic(model)
      let solved = try StrengthSolver(model: model, judge: judge).solve(
        source: pick(sources), reference: pick(references), strengths: strengths, residual: residual)
      for (k, i) in solvable.enumerated() {
        let face = solved[k]
        if failUnreachable, let miss = face.outcomes.first(where: { !$0.reachable }) {
          results[i] = .failure(PipelineError.item(stage: stage, item: items[i].id, message: miss.summary))
        } else {
          results[i] = .success(face)
        }
      }
    }
    // Every face is either solved or failed above.
    return results.enumerated().map { i, r in
      r ?? .failure(PipelineError.item(stage: stage, item: items[i].id, message: "strength not solved"))
    }
  }

  /// Per face and calibrated group: the strength found, the reading reached, the target, the
  /// unedited face's reading and whether the target was reachable (1 or 0).
  static func metrics(_ face: CalibratedFace, item: String, runID: Int64, stage: String) -> [MetricRecord] {
    face.outcomes.flatMap { o in
      [
        ("strength", Double(o.strength)), ("reading", o.reading), ("target", o.target), ("source", o.source),
        ("reachable", o.reachable ? 1 : 0),
      ].map { MetricRecord(runID: runID, name: "calibration.\(o.group).\($0.0)", value: $0.1, stage: stage, item: item) }
    }
  }
}
