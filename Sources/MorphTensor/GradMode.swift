import Foundation

/// Whether ops record themselves on the tape. Per thread, so inference threads can run
/// under `withoutGrad` while another thread trains.
public enum GradMode {
  /// A thread-local flag (non-nil: disabled). Every op reads it, so it is a pthread key
  /// rather than a lookup in `Thread.current.threadDictionary`.
  private static let key: pthread_key_t = {
    var k = pthread_key_t()
    pthread_key_create(&k, nil)
    return k
  }()

  /// True when new ops are recorded for autodiff (the default).
  public static var isEnabled: Bool {
    get { pthread_getspecific(key) == nil }
    set { pthread_setspecific(key, newValue ? nil : UnsafeRawPointer(bitPattern: 1)) }
  }
}

/// Runs `body` with recording on or off, restoring the previous mode afterwards.
public func withGradMode<R>(_ enabled: Bool, _ body: () throws -> R) rethrows -> R {
  let saved = GradMode.isEnabled
  GradMode.isEnabled = enabled
  defer { GradMode.isEnabled = saved }
  return try body()
}

/// Runs `body` without recording: no tape, no retained intermediates (inference).
public func withoutGrad<R>(_ body: () throws -> R) rethrows -> R {
  try withGradMode(false, body)
}
