import Foundation

/// A multi-producer, multi-consumer queue holding at most `capacity` elements.
///
/// `send` suspends while the queue is full, so a slow consumer holds its producers back
/// (backpressure) instead of letting items pile up in memory. `receive` returns nil once every
/// producer has called `finish` and the queue is drained. Both throw `CancellationError` when
/// the waiting task is cancelled.
public final class BoundedChannel<Element: Sendable>: @unchecked Sendable {
  public let capacity: Int
  private let lock = NSLock()
  /// Queued elements from `head` on; taken slots are cleared at once so nothing stays alive.
  private var buffer: [Element?] = []
  private var head = 0
  private var openProducers: Int
  private var waitingSenders: [(id: UInt64, continuation: CheckedContinuation<Bool, Error>)] = []
  private var waitingReceivers: [(id: UInt64, continuation: CheckedContinuation<Element?, Error>)] = []
  private var nextWaiter: UInt64 = 0
  private var peak = 0

  /// - Parameters:
  ///   - capacity: most elements queued at once (≥ 1).
  ///   - producers: how many `finish` calls close the channel.
  public init(capacity: Int, producers: Int = 1) {
    self.capacity = max(1, capacity)
    self.openProducers = max(1, producers)
  }

  /// Largest number of elements ever queued at once (for tests and benchmarks).
  public var peakCount: Int { locked { peak } }

  private var count: Int { buffer.count - head }

  private func locked<T>(_ body: () -> T) -> T {
    lock.lock()
    defer { lock.unlock() }
    return body()
  }

  /// Adds `element`, waiting while the channel is full.
  public func send(_ element: Element) async throws {
    while true {
      try Task.checkCancellation()
      if trySend(element) { return }
      let id = locked { () -> UInt64 in
        nextWaiter += 1
        return nextWaiter
      }
      let sent = try await withTaskCancellationHandler {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Bool, Error>) in
          sendOrWait(element, id: id, continuation: continuation)
        }
      } onCancel: {
        cancelWaiter(id)
      }
      if sent { return }
    }
  }

  /// Hands `element` to a waiting receiver or queues it; false when full.
  private func trySend(_ element: Element) -> Bool {
    lock.lock()
    if !waitingReceivers.isEmpty {
      let receiver = waitingReceivers.removeFirst()
      lock.unlock()
      receiver.continuation.resume(returning: element)
      return true
    }
    if count < capacity {
      buffer.append(element)
      peak = max(peak, count)
      lock.unlock()
      return true
    }
    lock.unlock()
    return false
  }

  /// Like `trySend`, but when full registers the continuation, resumed with false when space frees.
  private func sendOrWait(_ element: Element, id: UInt64, continuation: CheckedContinuation<Bool, Error>) {
    lock.lock()
    if !waitingReceivers.isEmpty || count < capacity {
      lock.unlock()
      continuation.resume(returning: trySend(element))
      return
    }
    // Checked under the lock: a cancellation after this point finds the waiter registered.
    if Task.isCancelled {
      lock.unlock()
      continuation.resume(throwing: CancellationError())
      return
    }
    waitingSenders.append((id, continuation))
    lock.unlock()
  }

  /// Takes the next element, waiting while the channel is empty; nil when closed and drained.
  public func receive() async throws -> Element? {
    try Task.checkCancellation()
    if let ready = tryReceive() { return ready.element }
    let id = locked { () -> UInt64 in
      nextWaiter += 1
      return nextWaiter
    }
    return try await withTaskCancellationHandler {
      try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Element?, Error>) in
        receiveOrWait(id: id, continuation: continuation)
      }
    } onCancel: {
      cancelWaiter(id)
    }
  }

  /// The next element (nil inside when closed and drained), or nil when the caller must wait.
  private func tryReceive() -> (element: Element?, Void)? {
    lock.lock()
    if count > 0 {
      let element = takeLocked()
      return (element, ())
    }
    let closed = openProducers == 0
    lock.unlock()
    return closed ? (nil, ()) : nil
  }

  /// Removes the head; called with the lock held, releases it and wakes one sender.
  private func takeLocked() -> Element? {
    let element = buffer[head]
    buffer[head] = nil
    head += 1
    if head > 64, head * 2 > buffer.count {
      buffer.removeFirst(head)
      head = 0
    }
    let sender = waitingSenders.isEmpty ? nil : waitingSenders.removeFirst()
    lock.unlock()
    sender?.continuation.resume(returning: false)
    return element
  }

  private func receiveOrWait(id: UInt64, continuation: CheckedContinuation<Element?, Error>) {
    lock.lock()
    if count > 0 {
      continuation.resume(returning: takeLocked())
      return
    }
    if openProducers == 0 {
      lock.unlock()
      continuation.resume(returning: nil)
      return
    }
    if Task.isCancelled {
      lock.unlock()
      continuation.resume(throwing: CancellationError())
      return
    }
    waitingReceivers.append((id, continuation))
    lock.unlock()
  }

  /// Receives up to `limit` elements: waits for the first, then for more until the batch is
  /// full or the channel closes (model stages want whole micro-batches).
  public func receiveBatch(_ limit: Int) async throws -> [Element] {
    var batch: [Element] = []
    while batch.count < limit, let next = try await receive() { batch.append(next) }
    return batch
  }

  /// One producer is done; when all are, waiting receivers get nil.
  public func finish() {
    lock.lock()
    openProducers = max(0, openProducers - 1)
    var receivers: [(id: UInt64, continuation: CheckedContinuation<Element?, Error>)] = []
    if openProducers == 0 && count == 0 {
      receivers = waitingReceivers
      waitingReceivers.removeAll()
    }
    lock.unlock()
    for receiver in receivers { receiver.continuation.resume(returning: nil) }
  }

  private func cancelWaiter(_ id: UInt64) {
    lock.lock()
    if let index = waitingSenders.firstIndex(where: { $0.id == id }) {
      let waiter = waitingSenders.remove(at: index)
      lock.unlock()
      waiter.continuation.resume(throwing: CancellationError())
      return
    }
    if let index = waitingReceivers.firstIndex(where: { $0.id == id }) {
      let waiter = waitingReceivers.remove(at: index)
      lock.unlock()
      waiter.continuation.resume(throwing: CancellationError())
      return
    }
    lock.unlock()
  }
}
