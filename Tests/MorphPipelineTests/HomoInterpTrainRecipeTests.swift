import Foundation
import MorphCatalog
import MorphModels
import MorphPipeline
import XCTest

/// `pipelines/train-homointerp.yaml` end to end: a few training steps of a tiny model on the
/// fixture face set, losses in the catalog, a cached rerun, an exact resume.
final class HomoInterpTrainRecipeTests: XCTestCase {
  func testTrainRecipeTrainsRecordsLossesCachesAndResumes() async throws {
    let folder = temporaryFolder(self)
    try FileManager.default.copyItem(
      at: HomoInterpRecipeTests.root.appendingPathComponent("Fixtures/faces"), to: folder.appendingPathComponent("faces"))
    let recipe = HomoInterpRecipeTests.root.appendingPathComponent("pipelines/train-homointerp.yaml")
    let tiny = [
      "data=faces", "checkpoint=models/trained.safetensors", "size=32", "width=0.0625", "poolings=2", "batch=2",
      "classifier_steps=1", "warmup=1", "n_critic=1", "checkpoint_every=2", "sample_every=0", "preview=4",
      "train.groups=expression, age", "train.log_every=0",
    ]
    func run(_ overrides: [String]) async throws -> RunReport {
      let graph = try PipelineRun.load(recipe, overrides: tiny + overrides)
      let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
      XCTAssertEqual(report.status, .succeeded, report.summary)
      return report
    }
    let first = try await run(["steps=4"])
    let checkpoint = folder.appendingPathComponent("models/trained.safetensors")
    let trained = try HomoInterpModel.load(from: checkpoint)
    XCTAssertEqual(trained.config.imageSize, 32)
    XCTAssertEqual(trained.config.groups.map(\.name), ["expression", "age"])
    XCTAssertEqual(try HomoInterpModel.readInfo(folder.appendingPathComponent("models/trained.json")).step, 4)

    // Per-step losses of every phase are metrics of the run, with their step.
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    let metrics = try catalog.metrics(runID: first.runID).filter { $0.name.hasPrefix("train.") }
    XCTAssertEqual(Set(metrics.compactMap(\.step)), [1, 2, 3, 4])
    XCTAssertTrue(metrics.contains { $0.name == "train.step_seconds" && $0.step == 4 })
    XCTAssertGreaterThan(Set(metrics.map(\.name)).count, 4, Set(metrics.map(\.name)).sorted().joined(separator: " "))
    XCTAssertTrue(metrics.allSatisfy { $0.value.isFinite })
    XCTAssertEqual(try catalog.count("Smiling OR NOT Smiling"), 8, "the face set was ingested")
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/train-homointerp/preview.png").path))

    // Same data and parameters: the training is not repeated.
    let again = try await run(["steps=4"])
    XCTAssertEqual(again.outcome.stages.first { $0.stage == "train" }?.cached, 1, again.summary)

    // Resume to 6 steps: continues from step 4.
    let resumed = try await run(["steps=6", "resume=true"])
    XCTAssertEqual(resumed.outcome.stages.first { $0.stage == "train" }?.done, 1, resumed.summary)
    XCTAssertEqual(try HomoInterpModel.readInfo(folder.appendingPathComponent("models/trained.json")).step, 6)
    let steps = try catalog.metrics(runID: resumed.runID).filter { $0.name == "train.step_seconds" }.compactMap(\.step)
    XCTAssertEqual(steps.sorted(), [5, 6])

    // A new run from the trained weights (fine-tuning), with full-strength edits, a wider
    // decoder, pooled interpolator branches, and a last step polishing the decoder alone.
    _ = try await run([
      "steps=3", "train.decoder_polish=1", "train.decoder_polish_lr=1e-3", "train.lambda_polish_edit=2", "checkpoint=models/tuned.safetensors", "train.init_from=models/trained.safetensors", "train.full_strength=0.5",
      "train.decoder_min_channels=8",
      "train.interpolator_global=true", "train.freeze_autoencoder=true", "train.classifier_seed=4", "train.refresh_classifier_every=2",
    ])
    let tuned = try HomoInterpModel.readInfo(folder.appendingPathComponent("models/tuned.json"))
    XCTAssertEqual(tuned.step, 3)
    XCTAssertEqual(tuned.config.decoderMinChannels, 8)
    XCTAssertEqual(tuned.config.interpolatorGlobal, true)
    XCTAssertNil(trained.config.decoderMinChannels)
    let options = try JSONDecoder().decode(HomoInterpTrainingOptions.self, from: Data((tuned.metadata["options"] ?? "").utf8))
    XCTAssertEqual(options.initialWeights, checkpoint.path)
    XCTAssertEqual(options.initialWeightsStep, 6)
    XCTAssertTrue(options.autoencoderFrozen)
    XCTAssertEqual(options.fullStrengthProbability, 0.5)
    XCTAssertEqual(options.decoderPolishSteps, 1)
    XCTAssertEqual(options.decoderPolishLearningRate, 1e-3)
    XCTAssertEqual(options.weights.polishEdit, 2)
    XCTAssertEqual(options.classifierSeed, 4)
    XCTAssertEqual(options.classifierRefreshEvery, 2)
    XCTAssertNil(options.classifierRetrainedAtStep, "no full step to refresh before (classifier, warm-up, polish)")
    let tooLong = try PipelineRun.load(recipe, overrides: tiny + ["steps=3", "checkpoint=models/long.safetensors", "train.decoder_polish=5"])
    let refused = try await PipelineRun(graph: tooLong, baseDirectory: folder, morphVersion: "test").run()
    XCTAssertNotEqual(refused.status, .succeeded)
    XCTAssertTrue(refused.summary.contains("decoder polish of 5 steps does not fit"), refused.summary)
    XCTAssertThrowsError(try PipelineRun.load(recipe, overrides: tiny + ["train.group_weights=expression=3"])) {
      XCTAssertTrue("\($0)".contains("has no parameter `group_weights`"), "removed (no better, docs/training-notes.md): \($0)")
    }
    let graph = try PipelineRun.load(recipe, overrides: tiny + ["steps=8", "resume=true", "train.init_from=models/trained.safetensors"])
    let both = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    XCTAssertNotEqual(both.status, .succeeded)
    XCTAssertTrue(both.summary.contains("init_from starts a new run"), both.summary)
    // A run no longer than its classifier phase would never train the model: refused by validation.
    XCTAssertThrowsError(try PipelineRun.load(recipe, overrides: tiny + ["steps=300", "classifier_steps=1500"])) {
      XCTAssertTrue("\($0)".contains("steps (300)") && "\($0)".contains("classifier_steps (1500)"), "\($0)")
      XCTAssertTrue("\($0)".contains("train-homointerp.yaml:"), "names the recipe and line: \($0)")
    }
    XCTAssertThrowsError(try PipelineRun.load(recipe, overrides: tiny + ["train.decoder_min_channels=-2"])) {
      XCTAssertTrue("\($0)".contains("decoder_min_channels"), "\($0)")
    }
    XCTAssertThrowsError(try PipelineRun.load(recipe, overrides: tiny + ["train.interpolator_dilations=1,2,4"])) {
      XCTAssertTrue("\($0)".contains("has no parameter `interpolator_dilations`"), "removed (no better, docs/training-notes.md): \($0)")
    }
  }

  /// CelebA as published (Img/img_align_celeba, Anno/, Eval/): ingested, trained on, and the
  /// preview finds the images under Img/.
  func testTrainRecipeReadsThePublishedCelebALayout() async throws {
    let folder = temporaryFolder(self)
    let source = HomoInterpRecipeTests.root.appendingPathComponent("Fixtures/faces")
    let root = folder.appendingPathComponent("CelebA")
    let fm = FileManager.default
    for dir in ["Img", "Anno", "Eval"] { try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true) }
    try fm.copyItem(at: source.appendingPathComponent("img_align_celeba"), to: root.appendingPathComponent("Img/img_align_celeba"))
    for file in ["list_attr_celeba.txt", "list_landmarks_align_celeba.txt"] {
      try fm.copyItem(at: source.appendingPathComponent(file), to: root.appendingPathComponent("Anno/\(file)"))
    }
    try fm.copyItem(
      at: source.appendingPathComponent("list_eval_partition.txt"), to: root.appendingPathComponent("Eval/list_eval_partition.txt"))
    let recipe = HomoInterpRecipeTests.root.appendingPathComponent("pipelines/train-homointerp.yaml")
    let graph = try PipelineRun.load(
      recipe,
      overrides: [
        "data=CelebA", "name=celeba", "checkpoint=models/celeba.safetensors", "size=32", "width=0.0625", "poolings=2", "batch=2",
        "classifier_steps=1", "warmup=1", "n_critic=1", "steps=3", "sample_every=0", "preview=4", "train.groups=expression",
        "train.log_every=0",
      ])
    let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    XCTAssertEqual(report.status, .succeeded, report.summary)
    XCTAssertEqual(report.outcome.stages.first { $0.stage == "faces" }?.done, 4, report.summary)
    XCTAssertTrue(fm.fileExists(atPath: folder.appendingPathComponent("out/train-homointerp/preview.png").path))
    XCTAssertEqual(try HomoInterpModel.readInfo(folder.appendingPathComponent("models/celeba.json")).step, 3)
  }
}
