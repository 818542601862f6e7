import Foundation
import XCTest

/// deploy/slurm on a one-node Slurm cluster the test starts itself (scripts/slurm-one-node):
/// the array script runs pipelines/edit-folder.yaml in 3 tasks, the merge script joins their
/// catalogs, and the result equals the recipe run whole.
final class SlurmCLITests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    // Short: munge's socket path must fit in a sockaddr_un.
    folder = URL(fileURLWithPath: "/tmp/morph-slurm-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
  }

  func shell(_ arguments: [String], cwd: URL, environment: [String: String] = [:]) throws -> MorphProcess.Result {
    try MorphProcess.execute(URL(fileURLWithPath: "/usr/bin/env"), arguments, cwd: cwd, environment: environment)
  }

  func testTheArrayScriptAndTheMergeStepEqualTheWholeRun() throws {
    let root = MorphProcess.packageRoot
    let cluster = folder.appendingPathComponent("cluster")
    let start = try shell([root.appendingPathComponent("scripts/slurm-one-node").path, "start", cluster.path], cwd: folder)
    if start.status == 3 { throw XCTSkip("no Slurm cluster for this test: \(start.stderr) (scripts/setup installs slurm-wlm and munge)") }
    addTeardownBlock { _ = try? self.shell([root.appendingPathComponent("scripts/slurm-one-node").path, "stop", cluster.path], cwd: root) }
    XCTAssertEqual(start.status, 0, start.stderr)
    let slurm = ["SLURM_CONF": cluster.appendingPathComponent("slurm.conf").path]

    let fixture = try ShardFixture(folder: folder, faces: 12)
    let whole = try fixture.workspace("whole")
    let run = try MorphProcess.run(fixture.runArguments, cwd: whole)
    XCTAssertEqual(run.status, 0, run.stderr + run.stdout)

    // SBATCH_OPTIONS=--wait: each sbatch returns when its job has ended, so the merge (submitted
    // after the array with afterany) runs once all three tasks are done.
    let sharded = try fixture.workspace("sharded")
    let submit = try shell(
      [root.appendingPathComponent("deploy/slurm/submit.sh").path, "3", fixture.recipe, "--set", "input=\(fixture.input.path)"],
      cwd: sharded, environment: slurm.merging(["SBATCH_OPTIONS": "--wait", "MORPH": MorphProcess.binary.path]) { $1 })
    let logs = (try? FileManager.default.contentsOfDirectory(atPath: sharded.path))?.filter { $0.hasSuffix(".log") }.sorted() ?? []
    let logText = try logs.map { "\($0):\n" + (try String(contentsOf: sharded.appendingPathComponent($0), encoding: .utf8)) }
      .joined(separator: "\n")
    XCTAssertEqual(submit.status, 0, submit.stderr + logText)
    XCTAssertEqual(logs.filter { $0.hasPrefix("morph-merge-") }.count, 1, logText)
    for k in 0..<3 { XCTAssertTrue(logText.contains("(shard \(k)/3)"), logText) }

    try fixture.assertSameResult(
      whole: whole, wholeCatalog: ".morph/catalog.sqlite", sharded: sharded, mergedCatalog: ".morph/catalog.sqlite")
    let runs = try fixture.sql("SELECT shard_index, shard_count FROM run ORDER BY shard_index", catalog: ".morph/catalog.sqlite", cwd: sharded)
    XCTAssertEqual(runs.trimmingCharacters(in: .whitespacesAndNewlines), "shard_index,shard_count\n0,3\n1,3\n2,3")
  }
}
