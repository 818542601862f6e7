import MorphPipeline
import XCTest

final class BoundedChannelTests: XCTestCase {
  func testDeliversEverythingInOrderAndCloses() async throws {
    let channel = BoundedChannel<Int>(capacity: 3)
    let producer = Task {
      for i in 0..<100 { try await channel.send(i) }
      channel.finish()
    }
    var received: [Int] = []
    while let x = try await channel.receive() { received.append(x) }
    try await producer.value
    XCTAssertEqual(received, Array(0..<100))
    XCTAssertLessThanOrEqual(channel.peakCount, 3)
  }

  func testSendWaitsWhileFull() async throws {
    let channel = BoundedChannel<Int>(capacity: 2)
    try await channel.send(1)
    try await channel.send(2)
    let blocked = Task { try await channel.send(3) }
    try await Task.sleep(nanoseconds: 50_000_000)
    XCTAssertEqual(channel.peakCount, 2)
    let one = try await channel.receive()
    try await blocked.value
    let two = try await channel.receive(), three = try await channel.receive()
    XCTAssertEqual([one, two, three], [1, 2, 3])
  }

  func testClosesAfterAllProducersAndCancelsWaiters() async throws {
    let channel = BoundedChannel<Int>(capacity: 1, producers: 2)
    channel.finish()
    let waiting = Task { try await channel.receive() }
    try await Task.sleep(nanoseconds: 20_000_000)
    channel.finish()
    let closed = try await waiting.value
    XCTAssertNil(closed)

    let full = BoundedChannel<Int>(capacity: 1)
    try await full.send(0)
    let stuck = Task { try await full.send(1) }
    try await Task.sleep(nanoseconds: 20_000_000)
    stuck.cancel()
    do {
      try await stuck.value
      XCTFail("a cancelled send must throw")
    } catch is CancellationError {}
  }

  func testBatchesTakeUpToTheLimit() async throws {
    let channel = BoundedChannel<Int>(capacity: 10)
    for i in 0..<7 { try await channel.send(i) }
    channel.finish()
    let first = try await channel.receiveBatch(4)
    let second = try await channel.receiveBatch(4)
    let third = try await channel.receiveBatch(4)
    XCTAssertEqual(first, [0, 1, 2, 3])
    XCTAssertEqual(second, [4, 5, 6])
    XCTAssertEqual(third, [])
  }
}
