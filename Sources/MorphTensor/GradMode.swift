import Foundation

/// Whether ops record themselves on the tape. Per thread, so inference threads can run
/// under `withoutGrad` while another thread trains.
public enum GradMode {
  private static let key = "MorphTensor.GradMode.disabled"

  /// True when new ops are recorded for autodiff (the default).
  public static var isEnabled: Bool {
    get { Thread.current.threadDictionary[key] == nil }
    set { Thread.current.threadDictionary[key] = newValue ? nil : true }
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
