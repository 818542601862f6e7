import Foundation
import XCTest

/// The HomoInterp stages and recipes from the command line: documentation, validation errors,
/// and a tiny training run whose checkpoint then morphs a pair of faces.
final class HomoInterpCLITests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("morph-cli-hi-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
  }

  func recipe(_ name: String) -> String { MorphProcess.packageRoot.appendingPathComponent("pipelines/\(name)").path }

  func morph(_ arguments: [String]) throws -> MorphProcess.Result { try MorphProcess.run(arguments, cwd: folder) }

  func testTrainOptionsThatNeedResumeAreRefusedUpFront() throws {
    for (arguments, message) in [
      (["--retrain-classifier", "100"], "only applies with --resume"),
      (["--resume", "--classifier-grid", "2"], "needs --retrain-classifier"),
      (["--decoder-losses", "edits"], "known: pixel, none"),
      (["--resume", "--init-from", "m.safetensors"], "--init-from starts a new run"),
      (["--resume", "--decoder-min-channels", "64"], "--resume keeps the checkpoint's"),
      (["--decoder-polish-lr", "0"], "--decoder-polish-lr must be > 0"),
    ] {
      let result = try morph(["train", "homointerp", "--data", "nowhere", "--out", "run"] + arguments)
      XCTAssertNotEqual(result.status, 0, arguments.joined(separator: " "))
      XCTAssertTrue(result.stderr.contains(message), result.stderr)
    }
  }

  func testStagesAreDocumentedAndBadParametersPointAtTheirLine() throws {
    let list = try morph(["stages"])
    XCTAssertEqual(list.status, 0, list.stderr)
    for name in ["encode", "interpolate", "decode", "score", "sheet", "animate", "train"] {
      XCTAssertTrue(list.stdout.contains("homointerp.\(name)"), list.stdout)
    }
    let score = try morph(["stages", "homointerp.score"])
    XCTAssertEqual(score.status, 0, score.stderr)
    XCTAssertTrue(score.stdout.contains("input:  images") && score.stdout.contains("oracle"), score.stdout)

    for name in ["translate-folder.yaml", "morph-pair.yaml", "train-homointerp.yaml", "train-demo.yaml", "train-celeba-64.yaml"] {
      let ok = try morph(["validate", recipe(name)])
      XCTAssertEqual(ok.status, 0, "\(name): \(ok.stderr)")
    }
    let bad = try morph(["validate", recipe("translate-folder.yaml"), "--set", "strength.age=2.5"])
    XCTAssertEqual(bad.status, 1)
    let pattern = try NSRegularExpression(
      pattern: #"^error: .*translate-folder\.yaml:\d+:\d+: parameter `strength\.age` of `homointerp\.interpolate`: must be within 0…2, got 2\.5\n$"#)
    XCTAssertEqual(
      pattern.numberOfMatches(in: bad.stderr, range: NSRange(bad.stderr.startIndex..., in: bad.stderr)), 1, bad.stderr)
    let sweep = try morph(["validate", recipe("morph-pair.yaml"), "--set", "grid=0, 0.5, two"])
    XCTAssertTrue(sweep.stderr.contains("parameter `sweep` of `homointerp.interpolate`: `two` is not a number"), sweep.stderr)
  }

  /// `--phases FILE`: the run follows the file's phases, the progress line names each step's
  /// phase, and a bad phase is refused naming the file and line; `morph validate` refuses a
  /// recipe's bad phase at its line.
  func testTrainFollowsAPhasesFileAndNamesThePhases() throws {
    try FileManager.default.copyItem(
      at: MorphProcess.packageRoot.appendingPathComponent("Fixtures/faces"), to: folder.appendingPathComponent("faces"))
    let phases = """
      - name: judge
        steps: 2
        train: classifier
      - name: autoencoder
        steps: 2
        train: [encoder, decoder, projection]
        lr: 1e-3
      - name: edits
        until: 6
        freeze: [encoder, decoder, projection]
        lambda_pixel: 2

      """
    try phases.write(to: folder.appendingPathComponent("phases.yaml"), atomically: true, encoding: .utf8)
    let tiny = ["--data", "faces", "--batch", "2", "--size", "32", "--width", "0.0625", "--poolings", "2", "--sample-every", "0", "--log-every", "1"]
    let run = try morph(["train", "homointerp", "--out", "phased", "--phases", "phases.yaml"] + tiny)
    XCTAssertEqual(run.status, 0, run.stdout + run.stderr)
    for line in ["step 2/6 [judge]", "step 3/6 [autoencoder]", "step 4/6 [autoencoder]", "step 5/6 [edits]", "step 6/6 [edits]"] {
      XCTAssertTrue(run.stdout.contains(line), "\(line): \(run.stdout)")
    }
    try phases.replacingOccurrences(of: "until: 6", with: "until: 3").write(
      to: folder.appendingPathComponent("bad.yaml"), atomically: true, encoding: .utf8)
    let bad = try morph(["train", "homointerp", "--out", "bad", "--phases", "bad.yaml"] + tiny)
    XCTAssertNotEqual(bad.status, 0)
    XCTAssertTrue(bad.stderr.contains("bad.yaml:9:") && bad.stderr.contains("phases may not overlap"), bad.stderr)
    let both = try morph(["train", "homointerp", "--out", "both", "--phases", "phases.yaml", "--steps", "9"] + tiny)
    XCTAssertTrue(both.stderr.contains("--steps and --phases"), both.stderr)

    let demo = try String(contentsOf: URL(fileURLWithPath: recipe("train-demo.yaml")), encoding: .utf8)
    try demo.replacingOccurrences(of: "          lambda_rec: 300", with: "          lambda_recon: 300").write(
      to: folder.appendingPathComponent("demo.yaml"), atomically: true, encoding: .utf8)
    let line = try XCTUnwrap(demo.components(separatedBy: "\n").firstIndex { $0 == "          lambda_rec: 300" }) + 1
    let refused = try morph(["validate", "demo.yaml"])
    XCTAssertEqual(refused.status, 1)
    XCTAssertTrue(refused.stderr.contains("demo.yaml:\(line):") && refused.stderr.contains("unknown phase field `lambda_recon`"), refused.stderr)
  }

  func testTrainARecipeThenMorphAPairWithItsCheckpoint() throws {
    try FileManager.default.copyItem(
      at: MorphProcess.packageRoot.appendingPathComponent("Fixtures/faces"), to: folder.appendingPathComponent("faces"))
    let train = try morph([
      "run", recipe("train-homointerp.yaml"), "--no-progress", "--set", "data=faces", "--set", "checkpoint=models/m.safetensors",
      "--set", "steps=2", "--set", "classifier_steps=1", "--set", "warmup=1", "--set", "batch=2", "--set", "size=32",
      "--set", "width=0.0625", "--set", "poolings=2", "--set", "sample_every=0", "--set", "preview=2",
      "--set", "train.log_every=1",
    ])
    XCTAssertEqual(train.status, 0, train.stdout + train.stderr)
    XCTAssertTrue(train.stderr.contains("train step 2/2"), train.stderr)
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("models/m.json").path))

    // A new run from the recipe's checkpoint; another architecture is refused, naming the file.
    let tiny = ["--data", "faces", "--batch", "2", "--steps", "2", "--classifier-steps", "1", "--sample-every", "0"]
    // Size, width and poolings come from the checkpoint (32 px, 1/16, 2) when not given.
    let warm = try morph(["train", "homointerp", "--out", "warm", "--init-from", "models/m.safetensors"] + tiny)
    XCTAssertEqual(warm.status, 0, warm.stdout + warm.stderr)
    XCTAssertTrue(warm.stdout.contains("new run from the weights of models/m.safetensors (step 2)"), warm.stdout)
    XCTAssertTrue(warm.stdout.contains("step 2/2 [full]"), warm.stdout)
    XCTAssertTrue(warm.stdout.contains("model: 32 px, width 0.0625, 2 poolings"), warm.stdout)
    let polished = try morph(
      ["train", "homointerp", "--out", "polished", "--init-from", "models/m.safetensors", "--decoder-polish", "1", "--log-every", "1"]
        + ["--data", "faces", "--batch", "2", "--steps", "3", "--classifier-steps", "1", "--sample-every", "0"])
    XCTAssertEqual(polished.status, 0, polished.stdout + polished.stderr)
    XCTAssertTrue(polished.stdout.contains("step 2/3 [full]") && polished.stdout.contains("step 3/3 [decoder-polish]"), polished.stdout)
    // A resume keeps the run's intervals (here sample sheets never, progress every step).
    let longer = try morph(["train", "homointerp", "--out", "polished", "--resume", "--data", "faces", "--steps", "4"])
    XCTAssertEqual(longer.status, 0, longer.stdout + longer.stderr)
    XCTAssertTrue(longer.stdout.contains("intervals: checkpoint every 500, sample sheet every 0, progress every 1 steps"), longer.stdout)
    XCTAssertTrue(longer.stdout.contains("step 4/4 [decoder-polish]"), longer.stdout)
    let wide = try morph(["train", "homointerp", "--out", "wide", "--init-from", "models/m.safetensors", "--decoder-min-channels", "8"] + tiny)
    XCTAssertEqual(wide.status, 0, wide.stdout + wide.stderr)
    XCTAssertTrue(wide.stdout.contains("decoder ≥ 8 channels"), wide.stdout)
    // Two checkpoints of one model export as their average; another architecture is refused.
    let averaged = try morph(["export", "models/m.safetensors", "warm/homointerp.safetensors", "--out", "avg.safetensors"])
    XCTAssertEqual(averaged.status, 0, averaged.stdout + averaged.stderr)
    XCTAssertTrue(averaged.stdout.contains("avg.safetensors") && averaged.stdout.contains("F16"), averaged.stdout)
    let averagedInfo = try String(contentsOf: folder.appendingPathComponent("avg.json"), encoding: .utf8)
    XCTAssertTrue(averagedInfo.contains("mean of the weights of 2 checkpoints (steps 2, 2)"), averagedInfo)
    let mixed = try morph(["export", "models/m.safetensors", "wide/homointerp.safetensors", "--out", "mixed.safetensors"])
    XCTAssertTrue(
      mixed.status != 0 && mixed.stderr.contains("homointerp.safetensors has another configuration than m.safetensors"), mixed.stderr)
    // A run with the autoencoder frozen shares the checkpoint's latent space: one group's branch
    // can come from it. A run that trained the encoder cannot give a branch.
    let frozen = try morph(["train", "homointerp", "--out", "frozen", "--init-from", "models/m.safetensors", "--freeze-autoencoder"] + tiny)
    XCTAssertEqual(frozen.status, 0, frozen.stdout + frozen.stderr)
    let grafted = try morph(["export", "models/m.safetensors", "--branch", "age=frozen/homointerp.safetensors", "--out", "graft.safetensors"])
    XCTAssertEqual(grafted.status, 0, grafted.stdout + grafted.stderr)
    let graftedInfo = try String(contentsOf: folder.appendingPathComponent("graft.json"), encoding: .utf8)
    XCTAssertTrue(graftedInfo.contains("age from homointerp.safetensors"), graftedInfo)
    let foreign = try morph(["export", "models/m.safetensors", "--branch", "age=warm/homointerp.safetensors", "--out", "bad.safetensors"])
    XCTAssertTrue(
      foreign.status != 0 && foreign.stderr.contains("homointerp.safetensors has another encoder or decoder than the base"), foreign.stderr)
    // Branches chosen by edit success on rendered faces: the base and the frozen run's snapshot.
    XCTAssertEqual(try morph(["fixtures", "toyfaces", "--count", "24", "--seed", "99", "--out", "toy"]).status, 0)
    let oracle = MorphProcess.packageRoot.appendingPathComponent("Fixtures/models/oracle.safetensors").path
    let chose = try morph([
      "eval", "branches", "models/m.safetensors", "frozen/homointerp.safetensors", "--data", "toy", "--oracle", oracle,
      "--pairs", "2", "--groups", "age,skin", "--strengths", "0,1", "--out", "picked.safetensors", "--report", "scores.json",
    ])
    XCTAssertEqual(chose.status, 0, chose.stdout + chose.stderr)
    XCTAssertTrue(chose.stdout.contains("| candidate | age | skin | mean |") && chose.stdout.contains("wrote"), chose.stdout)
    let choice = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("scores.json"))) as? [String: Any]
    XCTAssertEqual(choice?["candidates"] as? [String], ["m.safetensors", "homointerp.safetensors"])
    XCTAssertEqual((choice?["picks"] as? [Int])?.count, 2)
    XCTAssertEqual((choice?["editSuccess"] as? [[Double]])?.count, 2)
    let pickedMeta = try String(contentsOf: folder.appendingPathComponent("picked.json"), encoding: .utf8)
    XCTAssertTrue(pickedMeta.contains("edit success on 2 pairs per group"), pickedMeta)
    let clash = try morph([
      "eval", "branches", "models/m.safetensors", "frozen/homointerp.safetensors", "--data", "toy", "--oracle", oracle,
      "--out", "picked.safetensors", "--report", "picked.json",
    ])
    XCTAssertTrue(clash.status != 0 && clash.stderr.contains("--report picked.json is where the checkpoint's JSON goes"), clash.stderr)
    let twice = try morph([
      "eval", "branches", "models/m.safetensors", "frozen/homointerp.safetensors", "./frozen/homointerp.safetensors", "--data", "toy",
      "--oracle", oracle, "--out", "bad.safetensors",
    ])
    XCTAssertTrue(twice.status != 0 && twice.stderr.contains("a checkpoint is named twice"), twice.stderr)
    let foreignCandidate = try morph([
      "eval", "branches", "models/m.safetensors", "warm/homointerp.safetensors", "--data", "toy", "--oracle", oracle, "--out", "bad.safetensors",
    ])
    XCTAssertTrue(
      foreignCandidate.status != 0 && foreignCandidate.stderr.contains("has another encoder or decoder than the base"), foreignCandidate.stderr)
    let malformed = try morph(["export", "models/m.safetensors", "--branch", "age", "--out", "bad.safetensors"])
    XCTAssertTrue(malformed.status != 0 && malformed.stderr.contains("--branch 'age': expected GROUP=CHECKPOINT"), malformed.stderr)
    let other = try morph(["train", "homointerp", "--out", "other", "--init-from", "models/m.safetensors", "--poolings", "1"] + tiny)
    XCTAssertTrue(
      other.status != 0 && other.stderr.contains("models/m.safetensors: a run seeded by this checkpoint")
        && other.stderr.contains("poolings 1, the checkpoint's is 2"), other.stderr)

    // The run's judges, audited on its held-out faces.
    let audit = try morph(["eval", "teacher", "--checkpoint", "models/m.safetensors", "--data", "faces", "--json", "audit.json"])
    XCTAssertEqual(audit.status, 0, audit.stdout + audit.stderr)
    XCTAssertTrue(audit.stdout.contains("held-out faces") && audit.stdout.contains("Smiling"), audit.stdout)
    let report = try JSONSerialization.jsonObject(with: Data(contentsOf: folder.appendingPathComponent("audit.json"))) as? [String: Any]
    XCTAssertEqual((report?["criticOnLatents"] as? [Double])?.count, (report?["attributes"] as? [String])?.count)
    let noFaces = try morph(["eval", "teacher", "--checkpoint", "models/m.safetensors", "--data", "faces", "--faces", "0"])
    XCTAssertTrue(noFaces.status != 0 && noFaces.stderr.contains("--faces must be positive"), noFaces.stderr)

    let pair = try morph([
      "run", recipe("morph-pair.yaml"), "--no-progress", "--set", "input=faces/img_align_celeba",
      "--set", "reference=faces/img_align_celeba/000003.jpg", "--set", "checkpoint=models/m.safetensors", "--set", "size=32",
      "--set", "frames=0, 1",
    ])
    XCTAssertEqual(pair.status, 0, pair.stdout + pair.stderr)
    XCTAssertTrue(pair.stdout.contains("out/morph-pair/grid/000001.png"), pair.stdout)
    XCTAssertTrue(pair.stdout.contains("out/morph-pair/animation/000001.gif"), pair.stdout)

    let missing = try morph([
      "run", recipe("morph-pair.yaml"), "--no-progress", "--set", "input=faces/img_align_celeba",
      "--set", "checkpoint=models/none.safetensors", "--set", "size=32",
    ])
    XCTAssertEqual(missing.status, 1)
    XCTAssertTrue(
      (missing.stdout + missing.stderr).contains("models/none.safetensors: checkpoint file not found"), missing.stdout + missing.stderr)
  }
}
