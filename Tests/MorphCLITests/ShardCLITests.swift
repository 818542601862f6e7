import Foundation
import XCTest

/// `morph run --shard K/N` in separate processes, one killed with SIGKILL and rerun, then
/// `morph catalog merge`: the same result as the recipe run whole.
final class ShardCLITests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("morph-shard-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
  }

  func testThreeShardsOneKilledAndRerunMergeToTheWholeRun() throws {
    let fixture = try ShardFixture(folder: folder, faces: 30)
    let whole = try fixture.workspace("whole")
    let run = try MorphProcess.run(fixture.runArguments, cwd: whole)
    XCTAssertEqual(run.status, 0, run.stderr + run.stdout)

    let sharded = try fixture.workspace("sharded")
    // Shard 0 from a Kubernetes Indexed Job's environment, shard 2 from a Slurm array's.
    let first = try MorphProcess.run(
      fixture.runArguments + ["--shard-from-env"], cwd: sharded,
      environment: ["JOB_COMPLETION_INDEX": "0", "MORPH_SHARDS": "3"])
    XCTAssertEqual(first.status, 0, first.stderr + first.stdout)
    XCTAssertTrue(first.stdout.contains("(shard 0/3)"), first.stdout)
    let last = try MorphProcess.run(
      fixture.runArguments + ["--shard-from-env"], cwd: sharded,
      environment: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3", "SLURM_ARRAY_TASK_MIN": "0"])
    XCTAssertEqual(last.status, 0, last.stderr + last.stdout)

    // Shard 1 is killed once some of its items are saved, then run again.
    let killed = try fixture.startShard(1, of: 3, cwd: sharded)
    let edited = sharded.appendingPathComponent("out/edit-folder/edited")
    let before = fixture.savedCount(edited)
    let deadline = Date().addingTimeInterval(300)
    while fixture.savedCount(edited) < before + 2, killed.isRunning, Date() < deadline { usleep(20_000) }
    XCTAssertTrue(killed.isRunning, "shard 1 ended before it could be killed; give it more faces")
    kill(killed.processIdentifier, SIGKILL)
    killed.waitUntilExit()
    XCTAssertEqual(killed.terminationReason, .uncaughtSignal)
    let shardCatalog = ".morph/catalog.shard-1-of-3.sqlite"
    let interrupted = try MorphProcess.run(
      ["catalog", "sql", "SELECT status FROM run", "--catalog", shardCatalog, "--format", "csv"], cwd: sharded)
    XCTAssertEqual(interrupted.stdout.trimmingCharacters(in: .whitespacesAndNewlines), "status\nrunning")
    let rerun = try MorphProcess.run(fixture.runArguments + ["--shard", "1/3"], cwd: sharded)
    XCTAssertEqual(rerun.status, 0, rerun.stderr + rerun.stdout)
    XCTAssertTrue(try XCTUnwrap(ShardFixture.cachedCount(rerun.stdout, stage: "edited")) >= 2, rerun.stdout)

    let shards = (0..<3).map { ".morph/catalog.shard-\($0)-of-3.sqlite" }
    let merge = try MorphProcess.run(["catalog", "merge", "merged.sqlite"] + shards, cwd: sharded)
    XCTAssertEqual(merge.status, 0, merge.stderr + merge.stdout)
    try fixture.assertSameResult(
      whole: whole, wholeCatalog: ".morph/catalog.sqlite", sharded: sharded, mergedCatalog: "merged.sqlite")

    // The runs keep their shard numbers; the killed one was marked interrupted by its rerun.
    let runs = try MorphProcess.run(
      ["catalog", "sql", "SELECT shard_index, shard_count, status FROM run ORDER BY shard_index, id", "--catalog",
       "merged.sqlite", "--format", "csv"], cwd: sharded)
    XCTAssertEqual(
      runs.stdout.trimmingCharacters(in: .whitespacesAndNewlines),
      "shard_index,shard_count,status\n0,3,succeeded\n1,3,interrupted\n1,3,succeeded\n2,3,succeeded")

    // Merging again changes nothing.
    let dump = try fixture.dump("merged.sqlite", cwd: sharded)
    let again = try MorphProcess.run(["catalog", "merge", "merged.sqlite"] + shards, cwd: sharded)
    XCTAssertEqual(again.status, 0, again.stderr)
    XCTAssertTrue(
      again.stdout.contains("0 runs added, 0 updated, 2 already merged; 0 images, 0 latents, 0 models"), again.stdout)
    XCTAssertEqual(try fixture.dump("merged.sqlite", cwd: sharded), dump)
  }

  func testBadShardArgumentsAreOneLineErrors() throws {
    let fixture = try ShardFixture(folder: folder, faces: 0)
    for (arguments, environment, text) in [
      (["--shard", "3/3"], [:], "shard index 3 is not one of 0…2"),
      (["--shard", "1-3"], [:], "is not K/N"),
      (["--shard-from-env"], ["JOB_COMPLETION_INDEX": "1"], "MORPH_SHARDS is not"),
    ] as [([String], [String: String], String)] {
      var env = environment
      for name in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX"] where env[name] == nil && ProcessInfo.processInfo.environment[name] != nil {
        env[name] = ""
      }
      let result = try MorphProcess.run(fixture.runArguments + arguments, cwd: folder, environment: env)
      XCTAssertEqual(result.status, 1, result.stderr)
      XCTAssertTrue(result.stderr.hasPrefix("error: ") && result.stderr.contains(text), result.stderr)
    }
  }
}

/// A folder of synthetic faces and pipelines/edit-folder.yaml run on it, with the checks that
/// a sharded run and its merged catalog equal the whole run (shared by the Slurm test).
struct ShardFixture {
  let folder: URL
  let input: URL

  /// Renders `faces` synthetic faces into `folder/toy` (none: `input` is then an empty folder).
  init(folder: URL, faces: Int) throws {
    self.folder = folder
    let toy = folder.appendingPathComponent("toy")
    input = toy.appendingPathComponent("img_align_celeba")
    if faces > 0 {
      let render = try MorphProcess.run(["fixtures", "toyfaces", "--count", String(faces), "--seed", "39", "--out", toy.path])
      XCTAssertEqual(render.status, 0, render.stderr)
    } else {
      try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    }
  }

  var recipe: String { MorphProcess.packageRoot.appendingPathComponent("pipelines/edit-folder.yaml").path }

  var runArguments: [String] { ["run", recipe, "--set", "input=\(input.path)", "--no-progress"] }

  func workspace(_ name: String) throws -> URL {
    let url = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// Starts one shard's run without waiting for it.
  func startShard(_ index: Int, of count: Int, cwd: URL) throws -> Process {
    let process = Process()
    process.executableURL = MorphProcess.binary
    process.arguments = runArguments + ["--shard", "\(index)/\(count)"]
    process.currentDirectoryURL = cwd
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    try process.run()
    return process
  }

  func savedCount(_ folder: URL) -> Int {
    ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { $0.hasSuffix(".png") }.count
  }

  /// The `cached` column of a stage in a run summary.
  static func cachedCount(_ summary: String, stage: String) -> Int? {
    for line in summary.split(separator: "\n") {
      let fields = line.split(separator: " ")
      if fields.first.map(String.init) == stage, fields.count >= 5 { return Int(fields[2]) }
    }
    return nil
  }

  func sql(_ query: String, catalog: String, cwd: URL) throws -> String {
    let result = try MorphProcess.run(["catalog", "sql", query, "--catalog", catalog, "--format", "csv"], cwd: cwd)
    XCTAssertEqual(result.status, 0, result.stderr)
    return result.stdout
  }

  /// Every table of a catalog as text (blobs as hex), to see that a merge changed nothing.
  func dump(_ catalog: String, cwd: URL) throws -> String {
    let tables = [
      "dataset", "image", "attribute", "dataset_attribute", "image_attribute_word", "attribute_group",
      "attribute_group_member", "landmark", "bbox", "model", "run", "stage_result", "metric", "artifact", "face_scan", "face",
    ]
    var text = try tables.map { try sql("SELECT * FROM \($0) ORDER BY 1, 2", catalog: catalog, cwd: cwd) }.joined()
    text += try sql("SELECT id, model_id, image_id, hex(pooled), hex(data) FROM latent ORDER BY id", catalog: catalog, cwd: cwd)
    return text
  }

  /// The sharded run, merged, equals the whole run: the same items saved, byte-identical
  /// files, the same latents under the same model.
  func assertSameResult(
    whole: URL, wholeCatalog: String, sharded: URL, mergedCatalog: String, file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let out = "out/edit-folder/edited"
    let names = try FileManager.default.contentsOfDirectory(atPath: whole.appendingPathComponent(out).path).sorted()
    let shardedNames = try FileManager.default.contentsOfDirectory(atPath: sharded.appendingPathComponent(out).path)
      .filter { !$0.hasPrefix(".") }.sorted()
    XCTAssertFalse(names.isEmpty, file: file, line: line)
    XCTAssertEqual(shardedNames, names, file: file, line: line)
    for name in names {
      let a = try Data(contentsOf: whole.appendingPathComponent(out).appendingPathComponent(name))
      let b = try Data(contentsOf: sharded.appendingPathComponent(out).appendingPathComponent(name))
      XCTAssertEqual(a, b, "\(name) differs", file: file, line: line)
    }
    let items = "SELECT DISTINCT item FROM stage_result WHERE stage = 'save' AND status IN ('ok', 'cached') ORDER BY item"
    let wholeItems = try sql(items, catalog: wholeCatalog, cwd: whole)
    XCTAssertEqual(wholeItems.split(separator: "\n").count, names.count + 1, file: file, line: line)
    XCTAssertEqual(try sql(items, catalog: mergedCatalog, cwd: sharded), wholeItems, file: file, line: line)
    let latents = """
      SELECT d.name, i.path, i.content_hash, m.name, m.weights_hash, l.dtype, l.shape, hex(l.pooled), hex(l.data)
      FROM latent l JOIN image i ON i.id = l.image_id JOIN dataset d ON d.id = i.dataset_id JOIN model m ON m.id = l.model_id
      ORDER BY d.name, i.path, m.name
      """
    let wholeLatents = try sql(latents, catalog: wholeCatalog, cwd: whole)
    XCTAssertEqual(wholeLatents.split(separator: "\n").count, names.count + 1, file: file, line: line)
    XCTAssertEqual(try sql(latents, catalog: mergedCatalog, cwd: sharded), wholeLatents, file: file, line: line)
    let images = "SELECT d.name, i.path, i.content_hash, i.attr_present, i.attr_positive FROM image i JOIN dataset d ON d.id = i.dataset_id ORDER BY 1, 2"
    XCTAssertEqual(
      try sql(images, catalog: mergedCatalog, cwd: sharded), try sql(images, catalog: wholeCatalog, cwd: whole), file: file,
      line: line)
  }
}
