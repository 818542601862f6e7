import Foundation
import MorphImaging
import MorphModels
import MorphTensor
import XCTest

@testable import MorphPipeline

/// A checkpoint is read once per process and each model stage gets its own copy; a rewritten
/// checkpoint is read again.
final class LoadedModelsTests: XCTestCase {
  func testOneLoadPerKeyAndIndependentCopies() throws {
    let cache = LoadedModels()
    var loads = 0
    let load = { () throws -> HomoInterpModel in
      loads += 1
      return HomoInterpModel(config: .tiny(groups: HomoInterpRecipeTests.groups), seed: 3)
    }
    let a = try cache.model(key: "k1", load: load)
    let b = try cache.model(key: "k1", load: load)
    XCTAssertEqual(loads, 1)
    XCTAssertFalse(a === b)
    XCTAssertFalse(a.encoder.parameters[0] === b.encoder.parameters[0])
    XCTAssertEqual(a.encoder.parameters[0].scalars, b.encoder.parameters[0].scalars)
    // Changing one copy's weights leaves the other alone (copy on write).
    let before = b.encoder.parameters[0].scalars
    a.encoder.parameters[0].withMutableScalars { $0[0] += 1 }
    XCTAssertEqual(b.encoder.parameters[0].scalars, before)
    XCTAssertEqual(try cache.model(key: "k1", load: load).encoder.parameters[0].scalars, before)
    // Another key loads; beyond the capacity (2) the oldest is read again.
    _ = try cache.model(key: "k2", load: load)
    _ = try cache.model(key: "k3", load: load)
    XCTAssertEqual(loads, 3)
    _ = try cache.model(key: "k1", load: load)
    XCTAssertEqual(loads, 4)
  }

  /// Two runs in one process with the checkpoint rewritten in between: the second run decodes
  /// with the new weights.
  func testARewrittenCheckpointIsReadAgain() async throws {
    let folder = temporaryFolder(self)
    try FileManager.default.copyItem(
      at: HomoInterpRecipeTests.root.appendingPathComponent("Fixtures/faces"), to: folder.appendingPathComponent("faces"))
    let checkpoint = folder.appendingPathComponent("m.safetensors")
    let yaml = """
      params: { out: out }
      stages:
        - { id: faces, uses: load, with: { folder: faces/img_align_celeba, limit: 1 } }
        - { id: crop, uses: align, from: faces, with: { mode: celeba-crop, size: 32 } }
        - { id: z, uses: homointerp.encode, from: crop, with: { checkpoint: \(checkpoint.path), store: false } }
        - { id: back, uses: homointerp.decode, from: z, with: { checkpoint: \(checkpoint.path) } }
        - { id: write, uses: save, from: back, with: { folder: "${params.out}" } }
      """
    var outputs: [[UInt8]] = []
    for (seed, out) in [(UInt64(5), "out1"), (6, "out2")] {
      let model = HomoInterpModel(config: .tiny(groups: HomoInterpRecipeTests.groups), seed: seed)
      try model.save(to: checkpoint, metadata: [:])
      let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "t.yaml"), overrides: ["out=\(out)"])
      let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
      XCTAssertEqual(report.status, .succeeded, report.summary)
      let saved = try VipsImage.load(folder.appendingPathComponent("\(out)/000001.png")).pixels()
      let aligned = try Align.celebaCrop(ImageLoader().load(folder.appendingPathComponent("faces/img_align_celeba/000001.jpg")), size: 32)
      let batch = try ImageBatchBuffer(images: [aligned], normalisation: .symmetric)
      let y = try model.decode(model.encode(Tensor(shape: batch.shape, scalars: batch.data)))
      // The pipeline and this direct call round the same floats through different batches and
      // image paths: a level either way (one pixel of 3,072 seen), never more.
      let direct = try ImageBatchBuffer(shape: y.shape, data: y.scalars).image(at: 0, normalisation: .symmetric).pixels()
      XCTAssertEqual(saved.count, direct.count, out)
      XCTAssertLessThanOrEqual(Self.largestDifference(saved, direct), 1, out)
      outputs.append(saved)
    }
    // A stale model would be far off: the two models' outputs differ by much more than a level.
    XCTAssertGreaterThan(Self.largestDifference(outputs[0], outputs[1]), 8)
  }

  static func largestDifference(_ a: [UInt8], _ b: [UInt8]) -> Int {
    zip(a, b).map { abs(Int($0) - Int($1)) }.max() ?? 0
  }
}
