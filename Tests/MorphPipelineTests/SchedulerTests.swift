import MorphPipeline
import XCTest

/// The scheduler with test-only stages: caching, failures, retries, batches, backpressure,
/// cancellation and resume.
final class SchedulerTests: XCTestCase {
  var folder: URL!
  let probe = Probe()

  override func setUp() {
    folder = temporaryFolder(self)
  }

  func graph(_ yaml: String, overrides: [String] = []) throws -> PipelineGraph {
    try RecipeValidator(registry: TestStages.registry(probe)).validate(RecipeParser.parse(yaml, file: "t.yaml"), overrides: overrides)
  }

  func run(_ graph: PipelineGraph, options: RunOptions = RunOptions()) async throws -> (ExecutionPlan, Scheduler.Outcome) {
    let cache = ContentCache(root: folder.appendingPathComponent(".morph/cache"))
    let plan = try Planner(cache: cache, baseDirectory: folder).plan(graph)
    return (plan, await Scheduler(plan: plan, cache: cache, baseDirectory: folder, options: options).run())
  }

  func counts(_ outcome: Scheduler.Outcome, _ stage: String) -> (done: Int, cached: Int, failed: Int) {
    let s = outcome.stages.first { $0.stage == stage }
    return (s?.done ?? -1, s?.cached ?? -1, s?.failed ?? -1)
  }

  let chain = """
    params: { n: 20 }
    stages:
      - { id: numbers, uses: sequence, with: { count: "${params.n}" } }
      - { id: wait, uses: delay, from: numbers, with: { ms: 1 } }
      - { id: check, uses: fail-on, from: wait, with: { bad: "" } }
    """

  func testSecondRunDoesNoWork() async throws {
    let (_, first) = try await run(graph(chain))
    XCTAssertEqual(first.status, .succeeded)
    XCTAssertEqual(counts(first, "wait").done, 20)
    XCTAssertEqual(counts(first, "check").done, 20)
    let (plan, second) = try await run(graph(chain))
    XCTAssertEqual(plan.stages.map(\.runCount), [0, 0, 0], plan.table)
    XCTAssertEqual(counts(second, "wait").done, 0)
    XCTAssertEqual(counts(second, "check").done, 0)
    XCTAssertEqual(counts(second, "check").cached, 20)
    // A changed parameter changes the keys from that stage down.
    let (_, third) = try await run(graph(chain, overrides: ["wait.ms=0"]))
    XCTAssertEqual(counts(third, "wait").done, 20)
    // More input items: only the new ones run.
    let (_, fourth) = try await run(graph(chain, overrides: ["n=25"]))
    XCTAssertEqual(counts(fourth, "wait").done, 5)
    XCTAssertEqual(counts(fourth, "check").cached, 20)
  }

  func testFailingItemsAreRecordedAndTheRestGoOn() async throws {
    let (_, outcome) = try await run(graph(chain, overrides: ["check.bad=3,7"]))
    XCTAssertEqual(outcome.status, .failed)
    XCTAssertEqual(counts(outcome, "check").done, 18)
    XCTAssertEqual(Set(outcome.failures.map(\.item)), ["item-000003", "item-000007"])
    XCTAssertTrue(outcome.failures[0].message.contains("bad item"))
    // Re-running retries only the failed items (the good ones are cached).
    let (plan, _) = try await run(graph(chain, overrides: ["check.bad=3,7"]))
    XCTAssertEqual(plan.stage("check")?.runCount, 2)
    XCTAssertEqual(plan.stage("wait")?.runCount, 0)
  }

  func testFailFastStopsTheRun() async throws {
    let g = try graph(chain, overrides: ["check.bad=0", "n=200"])
    let (_, outcome) = try await run(g, options: RunOptions(failFast: true))
    XCTAssertEqual(outcome.status, .failed)
    XCTAssertLessThan(counts(outcome, "wait").done, 200)
  }

  func testRetryableStageRetries() async throws {
    let yaml = """
      stages:
        - { id: numbers, uses: sequence, with: { count: 6 } }
        - { id: shaky, uses: flaky, from: numbers, retries: 1 }
      """
    let (_, outcome) = try await run(graph(yaml))
    XCTAssertEqual(outcome.status, .succeeded, "\(outcome.failures)")
    XCTAssertEqual(counts(outcome, "shaky").done, 6)
    XCTAssertEqual(probe.value("attempts"), 12)
  }

  func testMicroBatchesAndConcurrencyLimits() async throws {
    let yaml = """
      stages:
        - { id: numbers, uses: sequence, with: { count: 30 } }
        - { id: w, uses: watch, from: numbers, batch: 4, concurrency: 2 }
      """
    let (_, outcome) = try await run(graph(yaml))
    XCTAssertEqual(counts(outcome, "w").done, 30)
    XCTAssertEqual(probe.list("batch").reduce(0, +), 30)
    XCTAssertLessThanOrEqual(probe.list("batch").max() ?? 0, 4)
    XCTAssertGreaterThan(probe.list("batch").filter { $0 == 4 }.count, 3)
    XCTAssertLessThanOrEqual(probe.peak("running"), 2)
  }

  /// A slow consumer holds the producer back: items in flight stay near the queue capacity
  /// instead of growing to the item count, and resident memory stays bounded.
  func testBackpressureBoundsItemsInFlightAndMemory() async throws {
    let yaml = """
      stages:
        - { id: blobs, uses: blobs, with: { count: 120, kib: 1024 } }
        - { id: sink, uses: slow-sink, from: blobs, with: { ms: 3 } }
      """
    let before = residentKiB()
    let (_, outcome) = try await run(graph(yaml), options: RunOptions(queueCapacity: 4))
    XCTAssertEqual(counts(outcome, "sink").done, 120)
    // Capacity 4, plus one item being made by the source and one in the sink.
    XCTAssertLessThanOrEqual(probe.peak("inflight"), 6)
    XCTAssertLessThanOrEqual(outcome.peakQueued, 4)
    let peakGrowthMiB = Double((probe.list("rss").max() ?? before) - before) / 1024
    print("backpressure: peak in flight \(probe.peak("inflight")) of 120 items of 1 MiB; RSS growth \(peakGrowthMiB) MiB")
    XCTAssertLessThan(peakGrowthMiB, 60, "120 MiB of items would pile up without backpressure")
  }

  func testStageWithTwoInputsTakesItemsFromBoth() async throws {
    let yaml = """
      stages:
        - { id: a, uses: sequence, with: { count: 3 } }
        - { id: b, uses: sequence, with: { count: 2 } }
        - { id: both, uses: delay, from: [a, b], with: { ms: 0 } }
      """
    let (plan, outcome) = try await run(graph(yaml))
    // Equal content gives equal keys: b's items reuse what a's identical items computed.
    XCTAssertEqual(counts(outcome, "both").done + counts(outcome, "both").cached, 5)
    XCTAssertGreaterThanOrEqual(counts(outcome, "both").done, 3)
    XCTAssertEqual(plan.stage("both")?.items.map(\.id).sorted(), ["a/item-000000", "a/item-000001", "a/item-000002", "b/item-000000", "b/item-000001"])
  }

  func testCancellationKeepsFinishedItemsAndRerunResumes() async throws {
    let yaml = """
      stages:
        - { id: numbers, uses: sequence, with: { count: 40 } }
        - { id: wait, uses: delay, from: numbers, with: { ms: 15 } }
      """
    let g = try graph(yaml)
    let task = Task { try await run(g) }
    try await Task.sleep(nanoseconds: 200_000_000)
    task.cancel()
    let (_, first) = try await task.value
    XCTAssertEqual(first.status, .cancelled)
    let finished = counts(first, "wait").done
    XCTAssertGreaterThan(finished, 0)
    XCTAssertLessThan(finished, 40)
    let (plan, second) = try await run(g)
    XCTAssertEqual(plan.stage("wait")?.runCount, 40 - finished)
    XCTAssertEqual(counts(second, "wait").done, 40 - finished)
    XCTAssertEqual(second.status, .succeeded)
  }
}
