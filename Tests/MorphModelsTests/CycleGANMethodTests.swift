import Foundation
import MorphTensor
import XCTest

@testable import MorphModels

/// The CycleGAN translators as an evaluation method: direction from the pair's labels, pixel
/// blends as intermediate states, untouched outside the CelebA crop, identity when no
/// translator applies.
final class CycleGANMethodTests: XCTestCase {
  func testBlendsTowardTheTranslationOnlyWhenTheDomainsDiffer() throws {
    let model = try CycleGANModel(config: .tiny(split: .attribute("Smiling")), seed: 3)
    let renderer = ToyFaceRenderer()
    var smiling = ToyFaceSampler().parameters(seed: 2, index: 0)
    smiling.attributes[ToyFaceAttribute.smiling.index] = 0.9
    var neutral = smiling
    neutral.attributes[ToyFaceAttribute.smiling.index] = 0.1
    let expression = AttributeGroup.defaultGroups[0]
    let pairs = [
      EvalPair(sourceName: "a", referenceName: "b", source: neutral, reference: smiling, group: expression),
      EvalPair(sourceName: "b", referenceName: "c", source: smiling, reference: smiling, group: expression),
      EvalPair(sourceName: "a", referenceName: "d", source: neutral, reference: smiling, group: AttributeGroup.defaultGroups[2]),
    ]
    let method = try InterpolationMethod.cycleGAN(translators: [model], pairs: pairs)
    let source = EvalImage(renderer.render(neutral)), reference = EvalImage(renderer.render(smiling))
    func run(_ pair: Int, _ v: Double, group: AttributeGroup = expression) throws -> EvalImage {
      try method.interpolate(InterpolationRequest(source: source, reference: reference, group: group, strength: v, pairIndex: pair))
    }
    XCTAssertEqual(try run(0, 0), source, "strength 0 is the source")
    let full = try run(0, 1), half = try run(0, 0.5)
    XCTAssertNotEqual(full, source)
    // The translated crop is pasted; the frame's top rows (above the crop) stay the source's.
    let top = 3 * source.width * 20
    XCTAssertEqual(Array(full.pixels.prefix(top)), Array(source.pixels.prefix(top)))
    let expected = CycleGANFrame.blend(source, full, strength: 0.5)
    XCTAssertEqual(half.pixels, expected.pixels)
    // Same domain, or a group without a translator: CycleGAN cannot move the face.
    XCTAssertEqual(try run(1, 1), source)
    XCTAssertEqual(try run(2, 1, group: AttributeGroup.defaultGroups[2]), source)
    // Translated toward the reference's domain with G_AB (A = not smiling).
    let direct = try CycleGANFrame.paste(
      try model.translate(try CycleGANFrame.input(source, size: 16), .aToB), into: source)
    XCTAssertEqual(full, direct)
    XCTAssertThrowsError(try run(7, 1))
    XCTAssertThrowsError(try InterpolationMethod.cycleGAN(translators: [], pairs: pairs))
  }

  func testComparisonTableMarksTheBestNonReferenceValue() throws {
    func metrics(_ edit: Double, _ recon: Double) -> GroupMetrics {
      GroupMetrics(
        group: "overall", pairs: 2, transfer: edit, preservation: 1, transferPairs: nil, preservationPairs: nil,
        editSuccess: edit, linearityR2: 0.5, lineDeviation: 0.1, reach: edit, pps: nil, ppsEfficiency: nil, ppsEquality: nil,
        truthPSNR: [recon, 20], truthSSIM: [1, 0.5], regionPSNR: [nil, 15], regionSSIM: [nil, 0.4], reconPSNR: recon,
        reconSSIM: 1, progress: [0, edit])
    }
    let report = EvaluationReport(
      data: "faces", pairs: 2, strengths: [0, 1], size: [178, 218], oracle: "oracle",
      methods: [
        MethodReport(method: "pixel-lerp", overall: metrics(0.2, 30), groups: []),
        MethodReport(method: "cyclegan", overall: metrics(0.6, 40), groups: []),
        MethodReport(method: "truth", overall: metrics(0.9, 100), groups: []),
      ])
    let table = ComparisonTable(report: report, groups: ["expression"])
    let md = table.markdown
    XCTAssertTrue(md.contains("| cyclegan | **0.600** |"), md)
    XCTAssertTrue(md.contains("| pixel-lerp | 0.200 |"), md)
    XCTAssertTrue(md.contains("_truth_ (reference) | 0.900"), md)
    XCTAssertEqual(table.rows.map(\.method), ["pixel-lerp", "cyclegan", "truth"])
    XCTAssertEqual(table.rows.map(\.reference), [false, false, true])
  }
}
