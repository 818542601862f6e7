import Foundation

/// How progress is shown while a run goes.
public enum ProgressStyle: Sendable {
  /// One live line per stage, redrawn in place (terminals).
  case live
  /// A plain line per stage every few seconds (logs, pipes).
  case plain(interval: TimeInterval)
  case off

  /// `live` when standard error is a terminal, else plain lines every 5 s.
  public static var automatic: ProgressStyle { isatty(2) != 0 ? .live : .plain(interval: 5) }
}

/// Done/total, items/s and ETA per stage, written to standard error.
final class ProgressReporter: @unchecked Sendable {
  let style: ProgressStyle
  let monitor: RunMonitor
  private var drawnLines = 0

  init(style: ProgressStyle, monitor: RunMonitor) {
    self.style = style
    self.monitor = monitor
  }

  /// Redraws until cancelled.
  func loop() async {
    let interval: TimeInterval
    switch style {
    case .off: return
    case .live: interval = 0.2
    case .plain(let seconds): interval = seconds
    }
    while !Task.isCancelled {
      try? await Task.sleep(nanoseconds: UInt64(interval * 1e9))
      if Task.isCancelled { break }
      draw()
    }
  }

  /// Draws the current state (also called once at the end).
  func draw() {
    let lines = monitor.snapshot().map(Self.line)
    var text = ""
    switch style {
    case .off: return
    case .live:
      if drawnLines > 0 { text += "\u{1B}[\(drawnLines)A" }
      for line in lines { text += "\u{1B}[2K" + line + "\n" }
      drawnLines = lines.count
    case .plain:
      for line in lines { text += line + "\n" }
    }
    FileHandle.standardError.write(Data(text.utf8))
  }

  static func line(_ s: RunMonitor.StageCounts) -> String {
    let finished = s.done + s.failed + s.cached
    var line = "  \(s.stage): \(finished)/\(s.total < 0 ? "?" : String(s.total))"
    if s.cached > 0 { line += " (\(s.cached) cached)" }
    if s.failed > 0 { line += " \(s.failed) failed" }
    let elapsed = (s.ended ?? Date()).timeIntervalSince(s.started ?? Date())
    if s.done > 0, elapsed > 0 {
      let rate = Double(s.done) / elapsed
      line += String(format: "  %.1f items/s", rate)
      let left = s.total - finished
      if s.ended == nil, s.total >= 0, left > 0, rate > 0 { line += String(format: "  ETA %.0fs", Double(left) / rate) }
    }
    if s.ended != nil { line += "  done" }
    return line
  }
}
