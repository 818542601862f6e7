import Foundation

/// The progress line of a training run (step, the schedule's phase by name, rate, ETA, losses), shared by `morph train homointerp` and the
/// `homointerp.train` stage: the rate is the mean of the last steps' own durations, so a resumed
/// run, a slow first step or a long pause for a checkpoint does not distort it.
public struct TrainingProgress: Sendable {
  /// Steps the rate is averaged over.
  public var window: Int
  /// A line every this many steps (and at the last step); 0 never.
  public var every: Int
  private var seconds: [Double] = []

  public init(every: Int, window: Int = 50) {
    self.every = every
    self.window = max(1, window)
  }

  /// Steps per second over the window (0 before any step).
  public var stepsPerSecond: Double {
    let total = seconds.reduce(0, +)
    return seconds.isEmpty || total <= 0 ? 0 : Double(seconds.count) / total
  }

  /// Takes a step's report; returns the line to print when one is due.
  public mutating func record(_ report: HomoInterpStepReport) -> String? {
    seconds.append(report.seconds)
    if seconds.count > window { seconds.removeFirst(seconds.count - window) }
    guard every > 0, report.step % every == 0 || report.step == report.totalSteps else { return nil }
    let rate = stepsPerSecond
    let eta = rate > 0 ? Double(report.totalSteps - report.step) / rate : 0
    let losses = report.losses.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }
    return String(
      format: "step %d/%d [%@] %.2f it/s, ETA %@ — %@", report.step, report.totalSteps, report.phaseName, rate,
      Self.duration(eta), losses.joined(separator: ", "))
  }

  /// `h:mm:ss`.
  public static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.isFinite ? max(0, seconds).rounded() : 0)
    return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
  }
}
