import Foundation

/// A value behind a lock, for the few bits of shared state that are not worth an actor.
final class Locked<Value>: @unchecked Sendable {
  // @unchecked: `value` is only read or written while `lock` is held.
  private let lock = NSLock()
  private var value: Value

  init(_ value: Value) { self.value = value }

  func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
    lock.lock()
    defer { lock.unlock() }
    return try body(&value)
  }
}

/// Runs blocking work (decoding a thumbnail, reading the catalog) on a dispatch queue instead
/// of one of Swift's few cooperative threads, which the HTTP side needs meanwhile.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { continuation in
    DispatchQueue.global(qos: .userInitiated).async { continuation.resume(with: Result { try body() }) }
  }
}
