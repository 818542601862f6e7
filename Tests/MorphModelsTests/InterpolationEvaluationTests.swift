import Foundation
import XCTest

@testable import MorphModels

/// The harness on small renders, judged by a nearest-render oracle that knows the parameters.
final class InterpolationEvaluationTests: XCTestCase {
  let renderer = ToyFaceRenderer(width: 36, height: 44)
  let strengths = [0, 0.5, 1.0]

  /// Pairs with known labels: each source moved toward a reference in a group where they differ.
  func makePairs() -> [EvalPair] {
    let sampler = ToyFaceSampler()
    let records = (0..<12).map {
      ToyFaceRecord(name: "\($0)", parameters: sampler.parameters(seed: 21, index: $0), partition: 2)
    }
    return (try? EvalPair.select(from: records, count: 7, seed: 3)) ?? []
  }

  /// An oracle that reads the parameters of the closest known render (sources, references and
  /// true intermediates), with the parameters themselves as features.
  func nearestRenderOracle(_ pairs: [EvalPair]) -> AttributeOracle {
    var known: [(EvalImage, ToyFaceParameters)] = []
    for pair in pairs {
      for v in strengths {
        let p = pair.source.moved(toward: pair.reference, group: pair.group, strength: v)
        known.append((EvalImage(renderer.render(p)), p))
      }
      known.append((EvalImage(renderer.render(pair.reference)), pair.reference))
    }
    let table = known
    return AttributeOracle(name: "nearest-render") { images in
      images.map { image in
        let best = table.min { a, b in
          (ImageMetrics.psnr(image, a.0) ?? 0) > (ImageMetrics.psnr(image, b.0) ?? 0)
        }
        let scores = best?.1.attributes ?? []
        return OracleReading(scores: scores, features: scores)
      }
    }
  }

  func testIdentityPreservesEverythingAndTransfersNothing() throws {
    let pairs = makePairs()
    XCTAssertEqual(pairs.count, 7)
    XCTAssertTrue(pairs.allSatisfy { !$0.changedAttributes.isEmpty })
    let evaluation = try InterpolationEvaluation(
      renderer: renderer, strengths: strengths, oracle: nearestRenderOracle(pairs), samplePairs: 1)
    let run = try evaluation.run(
      methods: [.identity, .truthPath(pairs: pairs, renderer: renderer), .pixelLerp], pairs: pairs)
    let identity = run.reports[0].overall, truth = run.reports[1].overall, lerp = run.reports[2].overall

    XCTAssertEqual(identity.pairs, 7)
    XCTAssertEqual(identity.transfer, 0)
    XCTAssertEqual(identity.preservation, 1)
    XCTAssertEqual(identity.editSuccess, 0)
    XCTAssertEqual(identity.reach ?? -1, 0, accuracy: 1e-12)
    XCTAssertEqual(identity.linearityR2 ?? -1, 0, accuracy: 1e-12)
    XCTAssertNil(identity.pps, "a path that does not move has no smoothness")
    XCTAssertEqual(identity.reconPSNR, ImageMetrics.maxPSNR)
    XCTAssertEqual(identity.truthPSNR[0], ImageMetrics.maxPSNR)
    XCTAssertLessThan(identity.truthPSNR[2], 60)

    // The true path is the ceiling: everything transfers and is preserved, all the way, linearly.
    XCTAssertEqual(truth.transfer, 1)
    XCTAssertEqual(truth.preservation, 1)
    XCTAssertEqual(truth.editSuccess, 1)
    XCTAssertEqual(truth.reach ?? 0, 1, accuracy: 1e-9)
    XCTAssertEqual(truth.linearityR2 ?? 0, 1, accuracy: 1e-9)
    XCTAssertEqual(truth.lineDeviation ?? 1, 0, accuracy: 1e-9)
    XCTAssertEqual(truth.truthPSNR, [Double](repeating: ImageMetrics.maxPSNR, count: 3))

    // Pixel lerp ends at the reference: full transfer, and the other attributes are kept only
    // where the reference happens to share the source's label.
    XCTAssertEqual(lerp.transfer, 1)
    var kept = 0, total = 0
    for pair in pairs {
      for a in pair.otherAttributes {
        total += 1
        if pair.reference.label(a) == pair.source.label(a) { kept += 1 }
      }
    }
    XCTAssertEqual(try XCTUnwrap(lerp.preservation), Double(kept) / Double(total), accuracy: 1e-12)
    XCTAssertLessThan(try XCTUnwrap(lerp.preservation), 1)
    XCTAssertEqual(lerp.reconPSNR, ImageMetrics.maxPSNR)

    // Strength 0 of every method here is the source: the reconstruction keeps every attribute.
    for m in [identity, truth, lerp] {
      XCTAssertEqual(m.reconAttributes, 1)
      XCTAssertEqual(m.reconAttributePairs, 1)
    }
    XCTAssertEqual(identity.preservationByAttribute?.values.allSatisfy { $0 == 1 }, true)
    XCTAssertEqual(Set(try XCTUnwrap(identity.reconByAttribute).keys), Set(ToyFaceAttribute.allCases.map(\.rawValue)))
    XCTAssertEqual(identity.reconByAttribute?.values.allSatisfy { $0 == 1 }, true)
    // Per pair: the identity transfers none of the pair's changed attributes, the truth all,
    // and pixel lerp loses exactly the other attributes where the reference differs.
    let identityPairs = try XCTUnwrap(run.reports[0].pairs), truthPairs = try XCTUnwrap(run.reports[1].pairs)
    let lerpPairs = try XCTUnwrap(run.reports[2].pairs)
    XCTAssertEqual(identityPairs.map(\.pair), Array(0..<7))
    for (k, pair) in pairs.enumerated() {
      XCTAssertEqual(identityPairs[k].notTransferred, pair.changedAttributes.map(\.rawValue))
      XCTAssertEqual(identityPairs[k].notPreserved, [])
      XCTAssertEqual(identityPairs[k].editSuccess, false)
      XCTAssertEqual(identityPairs[k].source, pair.sourceName)
      XCTAssertEqual(truthPairs[k].editSuccess, true)
      XCTAssertEqual(truthPairs[k].notTransferred + truthPairs[k].notPreserved, [])
      XCTAssertEqual(
        lerpPairs[k].notPreserved, pair.otherAttributes.filter { pair.reference.label($0) != pair.source.label($0) }.map(\.rawValue))
    }
    let table = EvalReportWriter.pairsCSV(
      EvaluationReport(data: "d", pairs: 7, strengths: strengths, size: [36, 44], oracle: "o", methods: run.reports))
    let lines = table.split(separator: "\n")
    XCTAssertEqual(lines.count, 1 + 3 * 7)
    XCTAssertEqual(lines[0], "method,pair,group,source,reference,edit_success,not_transferred,not_preserved")
    XCTAssertTrue(
      lines[1].hasPrefix("identity,0,\(pairs[0].group.name),\(pairs[0].sourceName),\(pairs[0].referenceName),0,"
        + pairs[0].changedAttributes.map(\.rawValue).joined(separator: " ") + ","), String(lines[1]))

    // Per-attribute transfer: none for the identity, all for pixel lerp, over the same
    // attributes (those some pair changes).
    let changed = Set(pairs.flatMap { $0.changedAttributes.map(\.rawValue) })
    XCTAssertFalse(changed.isEmpty)
    XCTAssertEqual(Set(try XCTUnwrap(identity.transferByAttribute).keys), changed)
    XCTAssertEqual(identity.transferByAttribute?.values.allSatisfy { $0 == 0 }, true)
    XCTAssertEqual(Set(try XCTUnwrap(lerp.transferByAttribute).keys), changed)
    XCTAssertEqual(lerp.transferByAttribute?.values.allSatisfy { $0 == 1 }, true)
    // Pixel lerp's per-attribute preservation: the share of pairs whose reference shares the label.
    for a in ToyFaceAttribute.allCases {
      let relevant = pairs.filter { $0.otherAttributes.contains(a) }
      guard !relevant.isEmpty else {
        XCTAssertNil(lerp.preservationByAttribute?[a.rawValue])
        continue
      }
      let same = relevant.filter { $0.reference.label(a) == $0.source.label(a) }.count
      XCTAssertEqual(
        try XCTUnwrap(lerp.preservationByAttribute?[a.rawValue]), Double(same) / Double(relevant.count),
        accuracy: 1e-12, a.rawValue)
    }

    // Per-group reports cover each group once (seven pairs, seven modelled groups).
    XCTAssertEqual(run.reports[0].groups.map(\.group), ToyFaceAttribute.modelledGroups.map(\.name))
    XCTAssertEqual(run.samples.count, 1)
    XCTAssertEqual(run.samples[0].count, 3)
  }

  /// A method whose strength-0 output is the reference loses every attribute where the two differ.
  func testReconstructionAttributesCountWhatStrengthZeroLoses() throws {
    let pairs = makePairs()
    let evaluation = try InterpolationEvaluation(
      renderer: renderer, strengths: strengths, oracle: nearestRenderOracle(pairs), samplePairs: 0)
    let swap = InterpolationMethod(name: "reference") { $0.reference }
    let report = try evaluation.run(methods: [swap], pairs: pairs).reports[0].overall
    var kept = 0, total = 0, whole = 0
    for pair in pairs {
      let same = ToyFaceAttribute.allCases.filter { pair.reference.label($0) == pair.source.label($0) }.count
      kept += same
      total += ToyFaceAttribute.allCases.count
      if same == ToyFaceAttribute.allCases.count { whole += 1 }
    }
    XCTAssertEqual(try XCTUnwrap(report.reconAttributes), Double(kept) / Double(total), accuracy: 1e-12)
    XCTAssertLessThan(try XCTUnwrap(report.reconAttributes), 1)
    XCTAssertEqual(try XCTUnwrap(report.reconAttributePairs), Double(whole) / Double(pairs.count), accuracy: 1e-12)
    // Per attribute: the share of pairs whose reference shares the source's label.
    for a in ToyFaceAttribute.allCases {
      let same = pairs.filter { $0.reference.label(a) == $0.source.label(a) }.count
      XCTAssertEqual(try XCTUnwrap(report.reconByAttribute?[a.rawValue]), Double(same) / Double(pairs.count), accuracy: 1e-12, a.rawValue)
    }
  }

  /// The resolution ceiling: a CelebA-layout face through a 64 px crop and back keeps its frame
  /// size, changes only inside the crop, and loses detail there.
  func testResampledMethodRoundTripsThroughTheModelSize() throws {
    let big = ToyFaceRenderer(width: 178, height: 218)
    let pair = try XCTUnwrap(makePairs().first)
    let source = EvalImage(big.render(pair.source))
    let request = InterpolationRequest(source: source, reference: source, group: pair.group, strength: 0, pairIndex: 0)
    let out = try BuiltinMethods.named("resample-64").map { try $0.interpolate(request) }
    let image = try XCTUnwrap(out)
    XCTAssertEqual(image.width, 178)
    XCTAssertEqual(image.height, 218)
    let psnr = try XCTUnwrap(ImageMetrics.psnr(image, source))
    XCTAssertGreaterThan(psnr, 20)
    XCTAssertLessThan(psnr, ImageMetrics.maxPSNR)
    // Row 0 lies above the crop (which starts 44 px down): untouched.
    XCTAssertEqual(Array(image.pixels[0..<(178 * 3)]), Array(source.pixels[0..<(178 * 3)]))
  }

  func testReportFilesAreWritten() throws {
    let pairs = Array(makePairs().prefix(2))
    let evaluation = try InterpolationEvaluation(renderer: renderer, strengths: strengths, oracle: nil, samplePairs: 1)
    let run = try evaluation.run(methods: [.pixelLerp, .identity], pairs: pairs)
    XCTAssertNil(run.reports[0].overall.transfer, "no oracle, no oracle metrics")
    let report = EvaluationReport(data: "x", pairs: 2, strengths: strengths, size: [36, 44], oracle: nil, methods: run.reports)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("eval-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    try EvalReportWriter.write(report, samples: run.samples, sources: run.sources, references: run.references, to: dir)
    for name in ["metrics.json", "metrics.csv", "truth_psnr.png", "region_psnr.png", "samples.png"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent(name).path), name)
    }
    let decoded = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: dir.appendingPathComponent("metrics.json")))
    XCTAssertEqual(decoded.methods.map(\.method), ["pixel-lerp", "identity"])
    XCTAssertThrowsError(try InterpolationEvaluation(renderer: renderer, strengths: [0.5, 1], oracle: nil))
  }

  /// The per-group summary reads the committed demo evaluation: one line per group with its
  /// pair-level rates and the attribute most often flipped / not carried (ties by name).
  func testGroupSummaryNamesWhereEachGroupLosesEdits() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/models/homointerp-demo-eval.json")
    let report = try JSONDecoder().decode(EvaluationReport.self, from: Data(contentsOf: url))
    let text = EvalReportWriter.groupSummary(report, method: "homointerp")
    let lines = text.split(separator: "\n")
    XCTAssertEqual(lines.count, 2 + report.methods[0].groups.count, text)
    let hair = try XCTUnwrap(lines.first { $0.hasPrefix("hair_color") }, text)
    XCTAssertEqual(
      hair.split(separator: " ", omittingEmptySubsequences: true).map(String.init),
      ["hair_color", "29", "0.966", "0.966", "0.931", "0.931", "0.866", "Male", "0.03", "/", "Blond_Hair", "0.06"])
    XCTAssertEqual(EvalReportWriter.groupSummary(report, method: "no-such-method"), "")
  }
}
