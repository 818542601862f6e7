import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphPipeline
import MorphTensor
import XCTest

/// The HomoInterp recipes end to end on a tiny, randomly initialised checkpoint and copies of
/// the fixture faces (CelebA layout, 178×218).
final class HomoInterpRecipeTests: XCTestCase {
  var folder: URL!

  override func setUp() {
    folder = temporaryFolder(self)
  }

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  var pipelines: URL { Self.root.appendingPathComponent("pipelines") }
  var fixtureFaces: URL { Self.root.appendingPathComponent("Fixtures/faces") }

  /// The default groups the synthetic faces draw (expression, gender, hair colour …).
  static let groups = ToyFaceAttribute.modelledGroups

  /// A tiny (32 px) random checkpoint at `models/tiny.safetensors`; returns its absolute path.
  @discardableResult
  func makeCheckpoint(seed: UInt64 = 3) throws -> String {
    let url = folder.appendingPathComponent("models/tiny.safetensors")
    try HomoInterpModel(config: .tiny(groups: Self.groups), seed: seed).save(to: url, metadata: ["purpose": "test"])
    return url.path
  }

  /// Copies the first `count` fixture faces into `faces/`.
  func copyFaces(_ count: Int) throws {
    let faces = folder.appendingPathComponent("faces")
    try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
    for n in 1...count {
      let name = String(format: "%06d.jpg", n)
      try FileManager.default.copyItem(
        at: fixtureFaces.appendingPathComponent("img_align_celeba/\(name)"), to: faces.appendingPathComponent(name))
    }
  }

  func run(_ recipe: String, _ overrides: [String]) async throws -> RunReport {
    let graph = try PipelineRun.load(pipelines.appendingPathComponent(recipe), overrides: overrides)
    return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
  }

  func image(_ path: String) throws -> VipsImage { try VipsImage.load(folder.appendingPathComponent(path)) }

  func stage(_ report: RunReport, _ id: String) -> (done: Int, cached: Int, failed: Int)? {
    report.outcome.stages.first { $0.stage == id }.map { ($0.done, $0.cached, $0.failed) }
  }

  /// decode(encode(face)) computed outside the pipeline, as 8-bit pixels.
  func reconstruction(of file: URL, checkpoint: String) throws -> [UInt8] {
    let model = try HomoInterpModel.load(from: URL(fileURLWithPath: checkpoint))
    let aligned = try Align.celebaCrop(ImageLoader().load(file), size: 32)
    let batch = try ImageBatchBuffer(images: [aligned], normalisation: .symmetric)
    let out = try model.decode(model.encode(Tensor(shape: batch.shape, scalars: batch.data)))
    return try ImageBatchBuffer(shape: out.shape, data: out.scalars).image(at: 0, normalisation: .symmetric).pixels()
  }

  func testTranslateFolderWritesEditsSweepsAnimationsLatentsAndScores() async throws {
    try copyFaces(3)
    let checkpoint = try makeCheckpoint()
    let oracle = fixtureFaces.deletingLastPathComponent().appendingPathComponent("models/oracle.safetensors").path
    var overrides = [
      "input=faces", "checkpoint=\(checkpoint)", "size=32", "reference=faces/000002.jpg", "output=out/t",
      "sweep_groups=expression, all", "sweep=0, 0.5, 1", "frames=4", "strength.expression=0", "detail_size=48",
    ]
    if FileManager.default.fileExists(atPath: oracle) { overrides.append("oracle=\(oracle)") }
    let report = try await run("translate-folder.yaml", overrides)
    XCTAssertEqual(report.status, .succeeded, report.summary)
    XCTAssertEqual(stage(report, "latents")?.done, 3, report.summary)

    // All strengths 0: the edit is exactly the face's reconstruction.
    let edited = try image("out/t/edited/000001.png")
    XCTAssertEqual([edited.width, edited.height], [32, 32])
    XCTAssertEqual(
      try edited.pixels(), try reconstruction(of: folder.appendingPathComponent("faces/000001.jpg"), checkpoint: checkpoint))

    // Detail transfer with nothing edited: the photo itself, aligned at detail_size.
    let detail = try image("out/t/edited-detail/000001.png")
    XCTAssertEqual([detail.width, detail.height], [48, 48])
    XCTAssertEqual(
      try detail.pixels(), try Align.celebaCrop(ImageLoader().load(folder.appendingPathComponent("faces/000001.jpg")), size: 48).pixels())

    // The sweep sheet holds 2 rows × 3 columns of 32 px tiles plus labels.
    let sheet = try image("out/t/sweeps/000003.png")
    XCTAssertGreaterThan(sheet.width, 3 * 32)
    XCTAssertGreaterThan(sheet.height, 2 * 32)
    // The animation: 4 frames, played forward and back (6 pages).
    let gif = try VipsImage.loadAllPages(folder.appendingPathComponent("out/t/animations/000002.gif"))
    XCTAssertEqual(gif.pageCount, 6)

    // Latents in the catalog under the checkpoint's stem; scores as metrics of the run.
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    let face = try catalog.resolveImage(folder.appendingPathComponent("faces/000001.jpg").path)
    let latent = try XCTUnwrap(try catalog.latent(imageID: face.id, model: "tiny"))
    let config = HomoInterpConfig.tiny(groups: Self.groups)
    XCTAssertEqual(latent.shape, [config.latentChannels, config.latentSide, config.latentSide])
    XCTAssertEqual(try catalog.models().first { $0.name == "tiny" }?.kind, "homointerp")
    let metrics = try catalog.metrics(runID: report.runID)
    let psnr = try XCTUnwrap(metrics.first { $0.name == "input.psnr" && $0.item == "000001.jpg" })
    XCTAssertGreaterThan(psnr.value, 0)
    XCTAssertNotNil(metrics.first { $0.name == "input.ssim" })
    XCTAssertNotNil(metrics.first { $0.name == "edit.Smiling" }, metrics.map(\.name).prefix(40).joined(separator: " "))
    XCTAssertNotNil(metrics.first { $0.name == "sweep.expression@0.5.Smiling" })
    XCTAssertNotNil(metrics.first { $0.name == "sweep.all@1.Young" })
    XCTAssertNil(metrics.first { $0.name == "sweep.expression@0.5.Young" }, "a sweep row reports its own group's attributes")

    // A stronger edit: encodings come from the cache, the edit changes.
    // (Another output folder: libvips may serve a rewritten file from its cache of loaded images.)
    let stronger = try await run("translate-folder.yaml", overrides + ["strength.expression=1", "output=out/t2"])
    XCTAssertEqual(stronger.status, .succeeded, stronger.summary)
    XCTAssertEqual(stage(stronger, "latents")?.cached, 3, stronger.summary)
    XCTAssertNotEqual(try image("out/t2/edited/000001.png").pixels(), try edited.pixels())
    XCTAssertNotEqual(try image("out/t2/edited-detail/000001.png").pixels(), try detail.pixels(), "the edit reaches the photo")
    // The other compositions of the same edit differ: masked from redrawn (the default) and
    // from photo + change; the tiny model's change is too faint for the redraw mask, so redrawn
    // is photo + change until its thresholds are lowered.
    let added = try await run("translate-folder.yaml", overrides + ["strength.expression=1", "output=out/t3", "detail_compose=change"])
    XCTAssertEqual(added.status, .succeeded, added.summary)
    let addedPixels = try image("out/t3/edited-detail/000001.png").pixels()
    let masked = try await run("translate-folder.yaml", overrides + ["strength.expression=1", "output=out/t3m", "detail_compose=masked"])
    XCTAssertEqual(masked.status, .succeeded, masked.summary)
    let maskedPixels = try image("out/t3m/edited-detail/000001.png").pixels()
    XCTAssertNotEqual(maskedPixels, try image("out/t2/edited-detail/000001.png").pixels())
    XCTAssertNotEqual(maskedPixels, addedPixels)
    let redrawn = try await run(
      "translate-folder.yaml",
      overrides + ["strength.expression=1", "output=out/t3r", "edited_detail.mask_low=0.002", "edited_detail.mask_high=0.01"])
    XCTAssertEqual(redrawn.status, .succeeded, redrawn.summary)
    XCTAssertNotEqual(try image("out/t3r/edited-detail/000001.png").pixels(), addedPixels)
    // The mask's parameters reach the stage: a mask that does not grow composes another image,
    // and thresholds the wrong way round are a clear error naming the stage.
    let tight = try await run(
      "translate-folder.yaml", overrides + ["strength.expression=1", "output=out/t4", "detail_compose=masked", "edited_detail.mask_grow=0"])
    XCTAssertEqual(tight.status, .succeeded, tight.summary)
    XCTAssertNotEqual(try image("out/t4/edited-detail/000001.png").pixels(), maskedPixels)
    let reversed = try await run(
      "translate-folder.yaml", overrides + ["output=out/t5", "edited_detail.mask_low=0.2", "edited_detail.mask_high=0.1"])
    XCTAssertEqual(reversed.status, .failed)
    let reason = reversed.outcome.failures.map { "\($0.stage): \($0.message)" }.joined(separator: "\n")
    XCTAssertTrue(reason.contains("edited_detail: mask_low/mask_high") && reason.contains("low < high"), reason)
    XCTAssertFalse(reason.contains("stage edited_detail: stage edited_detail"), "the stage is named once: \(reason)")
    // Scores of unchanged faces come from the cache and are still metrics of this run.
    XCTAssertEqual(stage(stronger, "input_scores")?.cached, 3, stronger.summary)
    let again = try catalog.metrics(runID: stronger.runID)
    XCTAssertEqual(again.first { $0.name == "input.psnr" && $0.item == "000001.jpg" }?.value, psnr.value)
  }

  func testMorphPairDrawsEveryGroupAndAnimatesTheWholeMorph() async throws {
    try copyFaces(2)
    let checkpoint = try makeCheckpoint()
    let report = try await run(
      "morph-pair.yaml",
      ["input=faces", "reference=faces/000002.jpg", "checkpoint=\(checkpoint)", "size=32", "frames=0, 0.5, 1", "output=out/p"])
    XCTAssertEqual(report.status, .succeeded, report.summary)
    XCTAssertEqual(stage(report, "source")?.done, 1, "count = 1: one face morphs into the reference")
    let grid = try image("out/p/grid/000001.png")
    // Rows: every group of the checkpoint plus `all`; columns: 5 strengths.
    XCTAssertGreaterThan(grid.height, (Self.groups.count + 1) * 32)
    XCTAssertGreaterThan(grid.width, 5 * 32)
    let gif = try VipsImage.loadAllPages(folder.appendingPathComponent("out/p/animation/000001.gif"))
    XCTAssertEqual(gif.pageCount, 4, "3 frames forward and back")
  }

  func testMissingCheckpointAndBadReferencesAreClearErrors() async throws {
    try copyFaces(1)
    let missing = folder.appendingPathComponent("models/none.safetensors").path
    let report = try await run("morph-pair.yaml", ["input=faces", "checkpoint=\(missing)", "reference=faces/000001.jpg", "size=32"])
    XCTAssertEqual(report.status, .failed)
    let messages = report.outcome.failures.map(\.message).joined(separator: "\n")
    XCTAssertTrue(messages.contains(missing) && messages.contains("checkpoint file not found"), messages)

    let checkpoint = try makeCheckpoint()
    /// load → align → encode → interpolate with `with` added to the interpolate stage.
    func interpolate(_ with: String, size: Int = 32) async throws -> RunReport {
      let yaml = """
        stages:
          - { id: faces, uses: load, with: { folder: faces } }
          - { id: crop, uses: align, from: faces, with: { mode: celeba-crop, size: \(size) } }
          - { id: latents, uses: homointerp.encode, from: crop, with: { checkpoint: "\(checkpoint)", store: false } }
          - { id: moved, uses: homointerp.interpolate, from: latents, with: { checkpoint: "\(checkpoint)", \(with) } }
        """
      let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "moved.yaml"))
      return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    }
    func failures(_ report: RunReport) -> String { report.outcome.failures.map(\.message).joined(separator: "\n") }
    let both = try await interpolate("reference: faces/000001.jpg, prototype: Smiling")
    XCTAssertEqual(both.status, .failed)
    XCTAssertTrue(failures(both).contains("give only one of reference, prototype"), failures(both))
    let none = try await interpolate("strength.age: 1")
    XCTAssertTrue(failures(none).contains("give a reference: `reference` (image or folder)"), failures(none))
    let group = try await interpolate("reference: faces/000001.jpg, sweep: \"0, 1\", sweep_groups: expresion")
    XCTAssertTrue(failures(group).contains("no attribute group `expresion` (did you mean `expression`?)"), failures(group))
    let absent = try await interpolate("reference: faces/nobody.jpg")
    XCTAssertTrue(failures(absent).contains("faces/nobody.jpg: reference image or folder not found"), failures(absent))
    let noLatents = try await interpolate("prototype: Smiling")
    XCTAssertTrue(failures(noLatents).contains("encode a labelled dataset first"), failures(noLatents))

    // A face of the wrong size fails alone, naming the size the checkpoint takes.
    let wrong = try await interpolate("reference: faces/000001.jpg", size: 48)
    XCTAssertTrue(
      wrong.outcome.failures.contains { $0.stage == "latents" && $0.message.contains("the checkpoint takes 32×32") }, failures(wrong))

    // Another checkpoint over the same faces: the crops come from the cache and still name
    // their files, so the new model's latents reach the catalog.
    func encode(_ checkpoint: String) async throws -> RunReport {
      let yaml = """
        stages:
          - { id: faces, uses: load, with: { folder: faces } }
          - { id: crop, uses: align, from: faces, with: { mode: celeba-crop, size: 32 } }
          - { id: z, uses: homointerp.encode, from: crop, with: { checkpoint: "\(checkpoint)" } }
        """
      let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "encode.yaml"))
      let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
      XCTAssertEqual(report.status, .succeeded, report.summary)
      return report
    }
    _ = try await encode(checkpoint)
    let other = folder.appendingPathComponent("models/other.safetensors")
    try HomoInterpModel(config: .tiny(groups: Self.groups), seed: 9).save(to: other, metadata: [:])
    let second = try await encode(other.path)
    XCTAssertEqual(stage(second, "crop")?.cached, 1, second.summary)
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    let face = try catalog.resolveImage(folder.appendingPathComponent("faces/000001.jpg").path)
    XCTAssertNotNil(try catalog.latent(imageID: face.id, model: "other"))
    XCTAssertNotEqual(try catalog.latent(imageID: face.id, model: "other"), try catalog.latent(imageID: face.id, model: "tiny"))
  }
}
