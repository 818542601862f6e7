import Foundation

/// Writes machine-readable run events, one JSON object per line (`--json`).
///
/// Events: `run_start`, `stage_start`, `item_done` (status `ok` or `cached`), `item_failed`,
/// `stage_end`, `run_end`.
public final class RunEventSink: @unchecked Sendable {
  private let handle: FileHandle
  private let lock = NSLock()

  public init(handle: FileHandle) { self.handle = handle }

  /// Events to a file (created or truncated).
  public convenience init(path: String) throws {
    guard FileManager.default.createFile(atPath: path, contents: nil), let handle = FileHandle(forWritingAtPath: path) else {
      throw PipelineError.override("cannot write events to \(path)")
    }
    self.init(handle: handle)
  }

  func emit(_ event: String, _ fields: [(String, String)]) {
    let stamp = String(format: "%.3f", Date().timeIntervalSince1970)
    let line = JSONText.object([("event", JSONText.quote(event)), ("time", stamp)] + fields) + "\n"
    lock.lock()
    handle.write(Data(line.utf8))
    lock.unlock()
  }
}
