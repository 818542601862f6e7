import MorphPipeline
import XCTest

/// Fan-out (`expand`) and regrouping (`group`): counts, items with no outputs, the face
/// carried along, resume from the cache, and a failing item in the middle.
final class ExpandSchedulerTests: XCTestCase {
  var folder: URL!
  let probe = Probe()
  let log = ExpandTestStages.Log()

  override func setUp() {
    folder = temporaryFolder(self)
  }

  func graph(_ yaml: String, overrides: [String] = []) throws -> PipelineGraph {
    var registry = TestStages.registry(probe)
    for s in [ExpandTestStages.split(probe), ExpandTestStages.join(probe), ExpandTestStages.collect(log)] {
      registry.register(s)
    }
    return try RecipeValidator(registry: registry).validate(RecipeParser.parse(yaml, file: "t.yaml"), overrides: overrides)
  }

  func run(_ graph: PipelineGraph) async throws -> (ExecutionPlan, Scheduler.Outcome) {
    let cache = ContentCache(root: folder.appendingPathComponent(".morph/cache"))
    let plan = try Planner(cache: cache, baseDirectory: folder).plan(graph)
    return (plan, await Scheduler(plan: plan, cache: cache, baseDirectory: folder).run())
  }

  func counts(_ outcome: Scheduler.Outcome, _ stage: String) -> (done: Int, cached: Int, failed: Int) {
    let s = outcome.stages.first { $0.stage == stage }
    return (s?.done ?? -1, s?.cached ?? -1, s?.failed ?? -1)
  }

  /// sequence(9) → split (n % 3 parts: 0,1,2,0,1,2,0,1,2 = 9 parts) → delay → join → collect.
  let recipe = """
    stages:
      - { id: numbers, uses: sequence, with: { count: 9 } }
      - { id: split, uses: split, from: numbers }
      - { id: wait, uses: delay, from: split, with: { ms: 1 } }
      - { id: check, uses: fail-on, from: wait, with: { bad: "" } }
      - { id: join, uses: join, from: check }
      - { id: all, uses: collect, from: join }
    """

  func testExpandFansOutAndGroupRegroupsByParent() async throws {
    let (plan, outcome) = try await run(graph(recipe))
    XCTAssertEqual(outcome.status, .succeeded, "\(outcome.failures)")
    XCTAssertEqual(counts(outcome, "split").done, 9)
    XCTAssertEqual(counts(outcome, "wait").done, 9)
    // Parents 1, 2, 4, 5, 7, 8 have parts; 0, 3, 6 made none.
    XCTAssertEqual(counts(outcome, "join").done, 6)
    XCTAssertEqual(probe.value("join"), 6)
    XCTAssertEqual(Set(outcome.notes.map(\.item)), ["item-000000", "item-000003", "item-000006"])
    XCTAssertTrue(outcome.notes.allSatisfy { $0.message == "nothing to split" && $0.stage == "split" })
    let joined = log.all
    XCTAssertEqual(joined.keys.sorted(), ["item-000001", "item-000002", "item-000004", "item-000005", "item-000007", "item-000008"])
    // Regrouped in expansion order, every member still carrying its face after two map stages.
    XCTAssertEqual(joined["item-000005"]?["parts"], "0,1")
    XCTAssertEqual(joined["item-000005"]?["faces"], "2")
    XCTAssertEqual(joined["item-000004"]?["landmark0"], "4.0")
    // The plan knows the expansion's inputs but not its outputs.
    XCTAssertEqual(plan.stage("split")?.items.count, 9)
    XCTAssertEqual(plan.stage("wait")?.dynamic, true)
    XCTAssertEqual(plan.stage("join")?.dynamic, true)
    XCTAssertEqual(plan.stage("all")?.dynamic, false)
    XCTAssertTrue(plan.table.contains("items made at run time"), plan.table)
  }

  func testRerunReusesExpansionAndEverythingDownstreamFromTheCache() async throws {
    _ = try await run(graph(recipe))
    XCTAssertEqual(probe.value("split"), 9)
    let (plan, second) = try await run(graph(recipe))
    XCTAssertEqual(plan.stage("split")?.cachedCount, 9, plan.table)
    XCTAssertEqual(second.status, .succeeded, "\(second.failures)")
    XCTAssertEqual(probe.value("split"), 9, "the expansion ran again instead of coming from the cache")
    XCTAssertEqual(probe.value("join"), 6, "the groups ran again instead of coming from the cache")
    XCTAssertEqual(counts(second, "split").cached, 9)
    XCTAssertEqual(counts(second, "wait").cached, 9)
    XCTAssertEqual(counts(second, "wait").done, 0)
    XCTAssertEqual(counts(second, "join").cached, 6)
    // The notes and faces come back from the cache too.
    XCTAssertEqual(second.notes.count, 3)
    XCTAssertEqual(log.all["item-000005"]?["faces"], "2")
    // A changed parameter after the expansion reruns from there on only.
    let (_, third) = try await run(graph(recipe, overrides: ["wait.ms=0"]))
    XCTAssertEqual(probe.value("split"), 9)
    XCTAssertEqual(counts(third, "wait").done, 9)
    XCTAssertEqual(counts(third, "join").done, 6)
  }

  func testFailingItemsInTheMiddleAreRecordedAndTheRestComplete() async throws {
    // Input 4's parts fail after the expansion; input 5 fails in the expansion itself.
    let (_, outcome) = try await run(graph(recipe, overrides: ["check.bad=4", "split.bad=5"]))
    XCTAssertEqual(outcome.status, .failed)
    XCTAssertEqual(Set(outcome.failures.map(\.item)), ["item-000004#0", "item-000005"])
    XCTAssertEqual(counts(outcome, "split").done, 8)
    XCTAssertEqual(counts(outcome, "split").failed, 1)
    XCTAssertEqual(counts(outcome, "join").done, 4)
    XCTAssertEqual(log.all.keys.sorted(), ["item-000001", "item-000002", "item-000007", "item-000008"])
    // A rerun tries the failed items again and takes everything else from the cache.
    let splits = probe.value("split")
    let (_, second) = try await run(graph(recipe, overrides: ["check.bad=4", "split.bad=5"]))
    XCTAssertEqual(probe.value("split"), splits + 1)
    XCTAssertEqual(counts(second, "split").cached, 8)
    XCTAssertEqual(counts(second, "split").failed, 1)
    XCTAssertEqual(counts(second, "wait").cached, 7)
    XCTAssertEqual(counts(second, "wait").done, 0)
    XCTAssertEqual(counts(second, "check").failed, 1)
    XCTAssertEqual(counts(second, "join").cached, 4)
    XCTAssertEqual(counts(second, "join").done, 0)
  }

  func testParentAndSourceIDs() {
    XCTAssertEqual(parentItemID("dir/photo.jpg#12"), "dir/photo.jpg")
    XCTAssertEqual(parentItemID("a#b.jpg"), "a#b.jpg")
    XCTAssertEqual(parentItemID("photo.jpg#"), "photo.jpg#")
    XCTAssertEqual(parentItemID("photo.jpg#0#3"), "photo.jpg#0")
    XCTAssertEqual(sourceItemID("photo.jpg#0#3"), "photo.jpg")
    XCTAssertEqual(sourceItemID("a#b.jpg#1"), "a#b.jpg")
  }
}
