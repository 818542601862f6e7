import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// Calibrated strengths: the target syntax, and the solver against a judge whose reading is a
/// known function of the strength.
final class StrengthSolverTests: XCTestCase {
  func testTargetsParseAndBadOnesSayWhatIsWrong() throws {
    XCTAssertEqual(try GroupStrength.parse("0.7"), .fixed(0.7))
    XCTAssertEqual(try GroupStrength.parse(" p = 0.9 "), .probability(0.9))
    XCTAssertEqual(try GroupStrength.parse("delta=+0.3"), .delta(0.3))
    XCTAssertEqual(try GroupStrength.parse("delta=-0.2"), .delta(-0.2))
    func problem(_ text: String) -> String {
      do {
        _ = try GroupStrength.parse(text)
        return "parsed"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(problem("2.5"), "must be within 0…2, got 2.5")
    XCTAssertTrue(problem("p=1.2").contains("target probability p=1.2 is outside (0, 1)"), problem("p=1.2"))
    XCTAssertTrue(problem("p=0").contains("outside (0, 1)"))
    XCTAssertTrue(problem("p=1").contains("outside (0, 1)"))
    XCTAssertTrue(problem("delta=0").contains("non-zero"))
    XCTAssertTrue(problem("delta=1.5").contains("within (-1, 1)"))
    XCTAssertTrue(problem("q=0.5").contains("`q=` is not a target"))
    XCTAssertTrue(problem("p=x").contains("`x` in `p=x` is not a number"))
    XCTAssertTrue(problem("much").contains("neither a strength"))
  }

  /// A tiny model, three faces and their references.
  func setUp(seed: UInt64 = 4) throws -> (model: HomoInterpModel, source: Tensor, reference: Tensor) {
    let model = HomoInterpModel(config: .tiny(groups: HomoInterpModelTests.groups), seed: seed)
    model.eval()
    var rng = RandomGenerator(seed: seed)
    let images = Tensor(shape: [6, 3, 32, 32], scalars: (0..<(6 * 3 * 32 * 32)).map { _ in rng.nextUniform() * 2 - 1 })
    let f = try model.encode(images)
    return (model, f.narrow(axis: 0, start: 0, length: 3), f.narrow(axis: 0, start: 3, length: 3))
  }

  /// A judge of one attribute (the group `g`'s first) reading `sigmoid(3 (|v| − 1))` where `v`
  /// is how far along `T_g(F_b − F_a)` a latent lies from its face's edit at the `fixed`
  /// strengths (least squares, exact for latents on the line; the residual branch held still);
  /// other attributes read 0.5. The reference, off the line, reads higher than the face.
  func lineJudge(
    _ model: HomoInterpModel, source: Tensor, reference: Tensor, group g: Int, fixed: [Float]? = nil
  ) throws -> CalibrationJudge {
    var strengths = fixed ?? [Float](repeating: 0, count: model.config.groups.count)
    let base = try model.interpolate(source: source, reference: reference, strengths: strengths, residualStrength: 0)
    strengths[g] = 1
    let moved = try model.interpolate(source: source, reference: reference, strengths: strengths, residualStrength: 0)
    let per = source.count / source.shape[0]
    let a = base.scalars, d = (moved - base).scalars
    let names = model.config.attributeNames, wanted = model.config.groups[g].attributes[0]
    return CalibrationJudge(name: "line", attributes: names) { latents, faces in
      faces.enumerated().map { k, i in
        var dot = 0.0, norm = 0.0
        for p in 0..<per {
          let delta = Double(d[i * per + p])
          dot += (Double(latents.scalars[k * per + p]) - Double(a[i * per + p])) * delta
          norm += delta * delta
        }
        let v = abs(dot / norm)
        return names.map { $0 == wanted ? 1 / (1 + exp(-3 * (v - 1))) : 0.5 }
      }
    }
  }

  func testSolvedStrengthsReadTheTargetAndMatchTheInterpolation() throws {
    let (model, source, reference) = try setUp()
    let g = 1
    var fixed = [Float](repeating: 0, count: model.config.groups.count)
    fixed[0] = 0.5
    let judge = try lineJudge(model, source: source, reference: reference, group: g, fixed: fixed)
    let solver = StrengthSolver(model: model, judge: judge)
    var strengths = [GroupStrength](repeating: .fixed(0), count: model.config.groups.count)
    strengths[0] = .fixed(0.5)
    for (target, expected) in [(0.5, 1.0), (0.9, 1 + log(9.0) / 3)] {
      strengths[g] = .probability(target)
      let faces = try solver.solve(source: source, reference: reference, strengths: strengths, residual: 0)
      XCTAssertEqual(faces.count, 3)
      for (i, face) in faces.enumerated() {
        let outcome = try XCTUnwrap(face.outcomes.first)
        XCTAssertEqual(face.strengths[0], 0.5, "fixed strengths stay as given")
        XCTAssertTrue(outcome.reachable, outcome.summary)
        XCTAssertEqual(outcome.reading, target, accuracy: solver.tolerance + 1e-9, outcome.summary)
        XCTAssertEqual(outcome.attribute, model.config.groups[g].attributes[0])
        XCTAssertTrue(outcome.towardPresence, "the reference reads higher than the face")
        // The reading's slope at 0.9 is 0.27 per unit of v: the tolerance allows ±0.015.
        XCTAssertEqual(Double(face.strengths[g]), expected, accuracy: 0.02, outcome.summary)
        // The lattice the solver searched is the model's interpolation.
        let edited = try model.interpolate(
          source: source.narrow(axis: 0, start: i, length: 1), reference: reference.narrow(axis: 0, start: i, length: 1),
          strengths: face.strengths, residualStrength: 0)
        let direct = try judge.read(edited, [i])[0][model.config.attributeNames.firstIndex(of: outcome.attribute) ?? 0]
        XCTAssertEqual(direct, outcome.reading, accuracy: 1e-4)
      }
    }
  }

  func testDeltaAndUnreachableTargets() throws {
    let (model, source, reference) = try setUp(seed: 6)
    let g = 0
    let solver = StrengthSolver(model: model, judge: try lineJudge(model, source: source, reference: reference, group: g))
    var strengths = [GroupStrength](repeating: .fixed(0), count: model.config.groups.count)
    strengths[g] = .delta(0.3)
    for face in try solver.solve(source: source, reference: reference, strengths: strengths, residual: 0) {
      let o = try XCTUnwrap(face.outcomes.first)
      XCTAssertEqual(o.target, o.source + 0.3, accuracy: 1e-12)
      XCTAssertTrue(o.reachable, o.summary)
      XCTAssertEqual(o.reading, o.target, accuracy: solver.tolerance + 1e-9)
    }
    // sigmoid(3 (v − 1)) over 0…2 spans 0.047…0.953: 0.99 is out of reach.
    strengths[g] = .probability(0.99)
    for face in try solver.solve(source: source, reference: reference, strengths: strengths, residual: 0) {
      let o = try XCTUnwrap(face.outcomes.first)
      XCTAssertFalse(o.reachable)
      XCTAssertEqual(o.reading, 0.953, accuracy: 0.001)
      XCTAssertEqual(face.strengths[g], 2, "the nearest scanned strength")
      XCTAssertTrue(o.summary.contains("out of reach within v ∈ [0, 2] (readings 0.047…0.953)"), o.summary)
    }
  }

  func testAGroupTheJudgeCannotReadIsAnError() throws {
    let (model, source, reference) = try setUp()
    let judge = CalibrationJudge(name: "oracle x", attributes: ["Something_Else"]) { latents, _ in
      (0..<latents.shape[0]).map { _ in [0.5] }
    }
    var strengths = [GroupStrength](repeating: .fixed(0), count: model.config.groups.count)
    strengths[0] = .probability(0.8)
    XCTAssertThrowsError(try StrengthSolver(model: model, judge: judge).solve(source: source, reference: reference, strengths: strengths)) {
      XCTAssertTrue("\($0)".contains("strength.\(model.config.groups[0].name): the oracle x reads none of the group's attributes"), "\($0)")
    }
  }

  func testTheCriticJudgeReadsTheHeads() throws {
    let (model, source, _) = try setUp()
    let p = try model.attributeProbabilities(source)
    let read = try CalibrationJudge.critic(model).read(source, [0, 1, 2])
    XCTAssertEqual(read.count, 3)
    XCTAssertEqual(read[1].map { Float($0) }, Array(p.scalars[p.shape[1]..<(2 * p.shape[1])]))
  }
}
