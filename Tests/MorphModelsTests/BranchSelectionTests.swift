import Foundation
import XCTest

@testable import MorphModels

/// Choosing each group's branch among candidates by the oracle's edit success.
final class BranchSelectionTests: XCTestCase {
  let renderer = ToyFaceRenderer(width: 36, height: 44)
  let strengths = [0, 0.5, 1.0]

  func testEachGroupGoesToTheCandidateThatEditsItTiesToTheEarlier() throws {
    let sampler = ToyFaceSampler()
    let records = (0..<12).map { ToyFaceRecord(name: "\($0)", parameters: sampler.parameters(seed: 21, index: $0), partition: 2) }
    let groups = ["expression", "hair_color", "eyes"]
    var pairsByGroup: [String: [EvalPair]] = [:]
    for g in groups { pairsByGroup[g] = try EvalPair.select(from: records, count: 2, seed: 5, groups: [g]) }
    // The oracle reads the parameters of the nearest known render (true paths and references).
    var known: [(EvalImage, ToyFaceParameters)] = []
    for pair in pairsByGroup.values.joined() {
      for v in strengths {
        let p = pair.source.moved(toward: pair.reference, group: pair.group, strength: v)
        known.append((EvalImage(renderer.render(p)), p))
      }
    }
    let table = known
    let oracle = AttributeOracle(name: "nearest-render") { images in
      images.map { image in
        let best = table.min { (ImageMetrics.psnr(image, $0.0) ?? 0) > (ImageMetrics.psnr(image, $1.0) ?? 0) }
        let scores = best?.1.attributes ?? []
        return OracleReading(scores: scores, features: scores)
      }
    }
    let renderer = self.renderer
    let pairs = pairsByGroup
    let truth = InterpolationMethod(name: "truth") { request in
      let pair = pairs[request.group.name]![request.pairIndex]
      return EvalImage(renderer.render(pair.source.moved(toward: pair.reference, group: pair.group, strength: request.strength)))
    }
    // Edits hair colour as the truth does, leaves the rest alone.
    let hairOnly = InterpolationMethod(name: "hair-only") { request in
      request.group.name == "hair_color" ? try truth.interpolate(request) : request.source
    }
    let evaluation = try InterpolationEvaluation(renderer: renderer, strengths: strengths, oracle: oracle, samplePairs: 0)
    var heard: [String] = []
    let selection = try BranchSelection.run(
      candidates: [.identity, hairOnly, truth], names: ["base", "hair-only", "truth"], groups: groups, records: records,
      pairs: 2, seed: 5, evaluation: evaluation
    ) { name, group, _ in heard.append("\(group)/\(name)") }
    XCTAssertEqual(heard.count, 9)
    XCTAssertEqual(selection.editSuccess[0], [0, 0, 0], "the base does not edit")
    XCTAssertEqual(selection.editSuccess[1], [0, 1, 0])
    XCTAssertEqual(selection.editSuccess[2], [1, 1, 1])
    // Hair colour: a tie between hair-only and truth goes to the earlier candidate.
    XCTAssertEqual(selection.picks, [2, 1, 2])
    XCTAssertEqual(selection.grafts, ["expression": "truth", "hair_color": "hair-only", "eyes": "truth"])
    XCTAssertTrue(selection.markdown.contains("| hair-only | 0.000 | **1.000** | 0.000 | 0.333 |"), selection.markdown)

    // No oracle, no choice.
    let blind = try InterpolationEvaluation(renderer: renderer, strengths: strengths, oracle: nil, samplePairs: 0)
    XCTAssertThrowsError(
      try BranchSelection.run(candidates: [truth], names: ["truth"], groups: groups, records: records, pairs: 2, seed: 5, evaluation: blind)
    ) { XCTAssertTrue("\($0)".contains("needs an oracle"), "\($0)") }
  }

  func testPicksTakeTheHighestScoreAndTiesTheEarlierRow() {
    XCTAssertEqual(BranchSelection.picks([[0.5, 0.9, 0.2], [0.7, 0.9, 0.1], [0.6, 0.95, 0.2]], groups: 3), [1, 2, 0])
  }
}
