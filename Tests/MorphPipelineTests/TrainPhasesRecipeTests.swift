import Foundation
import MorphCatalog
import MorphModels
import MorphPipeline
import XCTest

/// The phased training recipes end to end (`pipelines/train-demo.yaml`,
/// `pipelines/train-celeba-64.yaml`) at a few steps per phase, and the validator refusing bad
/// phases at their line.
final class TrainPhasesRecipeTests: XCTestCase {
  static let phaseLengths = [
    "judge=2", "warmup=1", "coarse=1", "fine=1", "decoder=1", "edits=3", "polish_edits=1", "polish_pixels=1", "judge_steps=1",
    "judge_every=2", "checkpoint_every=3", "sample_every=0", "log_every=0",
  ]
  /// A tiny model, so that every phase of the real schedule runs in seconds.
  static let tinyModel = ["train.width=0.0625", "train.batch=2", "train.decoder_min_channels=0", "train.groups=expression, age"]

  func run(_ recipe: String, in folder: URL, _ overrides: [String]) async throws -> RunReport {
    let url = HomoInterpRecipeTests.root.appendingPathComponent("pipelines/\(recipe)")
    let graph = try PipelineRun.load(url, overrides: overrides)
    let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    XCTAssertEqual(report.status, .succeeded, report.summary)
    return report
  }

  func testTheDemoScheduleRunsEveryPhaseInOrderAndResumes() async throws {
    let folder = temporaryFolder(self)
    try FileManager.default.copyItem(
      at: HomoInterpRecipeTests.root.appendingPathComponent("Fixtures/faces"), to: folder.appendingPathComponent("faces"))
    let first = try await run("train-demo.yaml", in: folder, ["data=faces"] + Self.phaseLengths + Self.tinyModel)
    let metadata = folder.appendingPathComponent("out/train-demo/homointerp.json")
    var info = try HomoInterpModel.readInfo(metadata)
    XCTAssertEqual(info.step, 11, "the phases' lengths add up to the run")
    XCTAssertEqual(info.metadata["phase"], "polish-pixels")
    let options = try JSONDecoder().decode(HomoInterpTrainingOptions.self, from: Data(try XCTUnwrap(info.metadata["options"]).utf8))
    let phases = try XCTUnwrap(options.phases)
    XCTAssertEqual(phases.map(\.name), ["judge", "warm-up", "coarse", "fine", "decoder", "edits", "polish-edits", "polish-pixels"])
    XCTAssertEqual(phases.map(\.kind), [.classifier, .warmup, .full, .full, .decoderPolish, .full, .decoderPolish, .decoderPolish])
    // Each phase's own fields, and the stage's parameters where it gives none.
    XCTAssertEqual(phases[1].learningRate, 5e-4)
    XCTAssertEqual(phases[2].weights.attribute, 4)
    XCTAssertEqual(phases[3].weights.attribute, 56)
    XCTAssertEqual(phases[3].learningRate, 6e-5)
    XCTAssertEqual(phases[5].trains, [.interpolator, .critic])
    XCTAssertEqual(phases[5].judge, JudgeSchedule(steps: 1, freshAtStart: true, refreshEvery: 2, seed: 3, mixup: 0.5))
    XCTAssertEqual(phases[7].schedule, .cosine)
    XCTAssertEqual(phases[7].weights.reconstruction, 300)
    XCTAssertEqual(phases[7].weights.polishEdit, 30)
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    let steps = try catalog.metrics(runID: first.runID).filter { $0.name == "train.step_seconds" }.compactMap(\.step)
    XCTAssertEqual(Set(steps), Set(1...11))

    // Longer last phase, resumed: continues from step 11 inside the same schedule.
    let resumed = try await run(
      "train-demo.yaml", in: folder, ["data=faces", "resume=true"] + Self.phaseLengths.map { $0 == "polish_pixels=1" ? "polish_pixels=3" : $0 } + Self.tinyModel)
    info = try HomoInterpModel.readInfo(metadata)
    XCTAssertEqual(info.step, 13)
    let more = try catalog.metrics(runID: resumed.runID).filter { $0.name == "train.step_seconds" }.compactMap(\.step)
    XCTAssertEqual(more.sorted(), [12, 13])
  }

  /// The CelebA recipe on a few hundred synthetic faces laid out as CelebA is published
  /// (Img/, Anno/, Eval/; ±1 labels, no renderer parameters).
  func testTheCelebA64ScheduleTrainsOnFacesInTheCelebALayout() async throws {
    let folder = temporaryFolder(self)
    let written = folder.appendingPathComponent("written")
    _ = try ToyFaceSetWriter(seed: 21).write(count: 300, to: written)
    let root = folder.appendingPathComponent("celeba"), fm = FileManager.default
    for dir in ["Img", "Anno", "Eval"] { try fm.createDirectory(at: root.appendingPathComponent(dir), withIntermediateDirectories: true) }
    try fm.moveItem(at: written.appendingPathComponent("img_align_celeba"), to: root.appendingPathComponent("Img/img_align_celeba"))
    for file in ["list_attr_celeba.txt", "list_landmarks_align_celeba.txt"] {
      try fm.moveItem(at: written.appendingPathComponent(file), to: root.appendingPathComponent("Anno/\(file)"))
    }
    try fm.moveItem(at: written.appendingPathComponent("list_eval_partition.txt"), to: root.appendingPathComponent("Eval/list_eval_partition.txt"))
    _ = try await run("train-celeba-64.yaml", in: folder, ["data=celeba"] + Self.phaseLengths + Self.tinyModel)
    let info = try HomoInterpModel.readInfo(folder.appendingPathComponent("out/train-celeba-64/homointerp.json"))
    XCTAssertEqual(info.step, 11)
    XCTAssertEqual(info.config.imageSize, 64)
    let options = try JSONDecoder().decode(HomoInterpTrainingOptions.self, from: Data(try XCTUnwrap(info.metadata["options"]).utf8))
    XCTAssertTrue(options.jitter)
    XCTAssertEqual(options.phases?.count, 8)
  }

  /// A recipe whose phases cannot run is refused by validation, at the line of the field at fault.
  func testBadPhasesAreRefusedAtTheirLine() throws {
    let folder = temporaryFolder(self)
    let demo = try String(contentsOf: HomoInterpRecipeTests.root.appendingPathComponent("pipelines/train-demo.yaml"), encoding: .utf8)
    let lines = demo.components(separatedBy: "\n")
    /// The demo with `old` (a whole line, matched after its indentation) replaced by `new`;
    /// returns the file and the 1-based line of the change.
    func variant(_ name: String, replacing old: String, with new: String) throws -> (URL, Int) {
      let index = try XCTUnwrap(lines.firstIndex { $0.trimmingCharacters(in: .whitespaces) == old }, old)
      var changed = lines
      changed[index] = String(lines[index].prefix { $0 == " " }) + new
      let url = folder.appendingPathComponent(name)
      try changed.joined(separator: "\n").write(to: url, atomically: true, encoding: .utf8)
      return (url, index + 1)
    }
    let cases: [(String, String, String, String)] = [
      ("unknown.yaml", "lambda_attribute: 4", "lamda_attribute: 4", "unknown phase field `lamda_attribute` (did you mean `lambda_attribute`?)"),
      ("zero.yaml", "steps: ${params.fine}", "steps: 0", "a phase must last at least one step"),
      ("overlap.yaml", "steps: ${params.fine}", "until: 100", "inside the previous phase (which ends at step 28000): phases may not overlap"),
      ("ends.yaml", "steps: ${params.fine}", "until: 28000", "ends at step 28000, where it starts"),
      ("nothing.yaml", "freeze: [encoder, decoder, projection]", "freeze: [encoder, decoder, projection, interpolator, critic]", "would train nothing"),
      ("part.yaml", "train: decoder", "train: decodr", "unknown part `decodr` (did you mean `decoder`?)"),
      ("both.yaml", "train: classifier", "train: [classifier, decoder]", "the classifier trains in a phase of its own"),
    ]
    for (name, old, new, message) in cases {
      let (url, line) = try variant(name, replacing: old, with: new)
      XCTAssertThrowsError(try PipelineRun.load(url, overrides: [])) { error in
        let text = "\(error)"
        XCTAssertTrue(text.contains("\(name):\(line):"), "\(name) names its line \(line): \(text)")
        XCTAssertTrue(text.contains(message), "\(name): \(text)")
      }
    }
    // A list cannot be set from the command line; its fields' parameters can.
    let recipe = HomoInterpRecipeTests.root.appendingPathComponent("pipelines/train-demo.yaml")
    XCTAssertThrowsError(try PipelineRun.load(recipe, overrides: ["train.phases=x"])) {
      XCTAssertTrue("\($0)".contains("cannot be set with --set"), "\($0)")
    }
    XCTAssertThrowsError(try PipelineRun.load(recipe, overrides: ["fine=0"])) {
      XCTAssertTrue("\($0)".contains("at least one step"), "\($0)")
    }
  }
}
