@testable import MorphTensor
import Dispatch
import XCTest

/// The engine's thread pool (`Parallel.run`, thread_pool.c) runs every iteration exactly once,
/// in regions back to back, nested inside a task, and from several threads at once.
final class ThreadPoolTests: XCTestCase {
  /// Runs `iterations` tasks that each add 1 to their own slot; returns the slots.
  private func counts(_ iterations: Int) -> [Int] {
    let slots = UnsafeMutablePointer<Int>.allocate(capacity: iterations)
    slots.initialize(repeating: 0, count: iterations)
    defer { slots.deallocate() }
    Parallel.run(iterations) { i in slots[i] += 1 }
    return Array(UnsafeBufferPointer(start: slots, count: iterations))
  }

  func testEveryIterationRunsOnceInBackToBackRegions() {
    for n in [1, 2, 3, 17, 1000] {
      for _ in 0..<50 { XCTAssertEqual(counts(n), [Int](repeating: 1, count: n), "\(n) iterations") }
    }
  }

  func testNestedRegionRunsInPlace() {
    let outer = 4, inner = 64
    let slots = UnsafeMutablePointer<Int>.allocate(capacity: outer * inner)
    slots.initialize(repeating: 0, count: outer * inner)
    defer { slots.deallocate() }
    Parallel.run(outer) { o in Parallel.run(inner) { i in slots[o * inner + i] += 1 } }
    XCTAssertEqual(Array(UnsafeBufferPointer(start: slots, count: outer * inner)), [Int](repeating: 1, count: outer * inner))
  }

  func testRegionsFromSeveralThreadsAtOnce() {
    let threads = 4, n = 257, rounds = 40
    let slots = UnsafeMutablePointer<Int>.allocate(capacity: threads * n)
    slots.initialize(repeating: 0, count: threads * n)
    defer { slots.deallocate() }
    DispatchQueue.concurrentPerform(iterations: threads) { t in
      for _ in 0..<rounds { Parallel.run(n) { i in slots[t * n + i] += 1 } }
    }
    XCTAssertEqual(Array(UnsafeBufferPointer(start: slots, count: threads * n)), [Int](repeating: rounds, count: threads * n))
  }
}
