import Foundation

/// The process that records a run, identified well enough to tell later whether it still lives.
///
/// A pid alone is not enough (pids are reused, and a reboot starts them over), so the owner is
/// the pid together with the process's start time in clock ticks since boot (field 22 of
/// `/proc/PID/stat`) and the kernel's boot id. A later process on the same host knows the owner
/// is gone when the boot id differs, `/proc/PID` is missing or a zombie, or it holds a process
/// that started at another time. On another host nothing can be known, so such runs are left
/// alone. Linux only (`/proc`); elsewhere `current` is nil and no run is ever declared gone.
public struct RunOwner: Equatable, Sendable {
  public var pid: Int32
  /// Start time of the process, in clock ticks after boot.
  public var startTicks: UInt64
  /// `/proc/sys/kernel/random/boot_id`.
  public var bootID: String

  public init(pid: Int32, startTicks: UInt64, bootID: String) {
    self.pid = pid
    self.startTicks = startTicks
    self.bootID = bootID
  }

  /// This process, or nil where `/proc` is not available.
  public static var current: RunOwner? { owner(of: getpid()) }

  /// The process `pid` as it is now (nil when there is none or it is a zombie).
  static func owner(of pid: Int32) -> RunOwner? {
    guard let boot = bootID, let (state, ticks) = stat(pid), state != "Z" else { return nil }
    return RunOwner(pid: pid, startTicks: ticks, bootID: boot)
  }

  /// Whether this owner is still running (same boot, same pid, same start time).
  public var isAlive: Bool { Self.owner(of: pid) == self }

  /// The form stored in `run.owner`: `pid 1234 start 5678 boot 0d3c…`.
  public var text: String { "pid \(pid) start \(startTicks) boot \(bootID)" }

  /// Parses `text`; nil for anything else (older rows have no owner).
  public init?(text: String) {
    let words = text.split(separator: " ")
    guard words.count == 6, words[0] == "pid", words[2] == "start", words[4] == "boot",
      let pid = Int32(words[1]), let ticks = UInt64(words[3])
    else { return nil }
    self.init(pid: pid, startTicks: ticks, bootID: String(words[5]))
  }

  static var bootID: String? {
    (try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8))?
      .trimmingCharacters(in: .whitespacesAndNewlines)
  }

  /// State letter and start ticks from `/proc/PID/stat`. The command name (field 2) may hold
  /// spaces and parentheses, so fields are counted after its last `)`.
  static func stat(_ pid: Int32) -> (String, UInt64)? {
    guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
      let close = text.lastIndex(of: ")")
    else { return nil }
    let fields = text[text.index(after: close)...].split(separator: " ")
    // fields[0] is field 3 (state); field 22 (starttime) is fields[19].
    guard fields.count > 19, let ticks = UInt64(fields[19]) else { return nil }
    return (String(fields[0]), ticks)
  }
}
