import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Writes output files so that a reader sees the old file or the whole new one, never a part,
/// and never writes through a link planted where the output goes.
///
/// The bytes go to a new temporary file in the target's folder (created with `O_EXCL` and
/// `O_NOFOLLOW`, so nothing already there is opened), which is then renamed over the target.
/// `rename(2)` replaces the directory entry itself: a symlink at the target is replaced by the
/// file, and whatever it pointed at is left untouched. A run killed mid-write leaves at most a
/// hidden `.name.*.tmp` file beside the outputs, never a half-written image under the real name.
/// Every file a run writes goes through here.
public enum AtomicFile {
  /// Writes `data` to `url` atomically (temporary file in the same folder, then rename).
  public static func write(_ data: Data, to url: URL) throws {
    try data.withUnsafeBytes { try write(UnsafeRawBufferPointer($0), to: url) }
  }

  /// Writes UTF-8 `text` to `url` atomically.
  public static func write(_ text: String, to url: URL) throws {
    try write(Data(text.utf8), to: url)
  }

  /// Writes `bytes` to `url` atomically.
  public static func write(_ bytes: UnsafeRawBufferPointer, to url: URL) throws {
    let folder = url.deletingLastPathComponent()
    let temp = folder.appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    let fd = open(temp.path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
    guard fd >= 0 else { throw failure(url, "cannot create a temporary file in \(folder.path)") }
    var ok = false
    defer {
      if !ok { unlink(temp.path) }
    }
    var written = 0
    while written < bytes.count {
      let n = Glibc.write(fd, bytes.baseAddress?.advanced(by: written), bytes.count - written)
      if n < 0 && errno == EINTR { continue }
      guard n > 0 else {
        let reason = String(cString: strerror(errno))
        close(fd)
        throw failure(url, reason)
      }
      written += n
    }
    guard close(fd) == 0 else { throw failure(url, String(cString: strerror(errno))) }
    guard rename(temp.path, url.path) == 0 else { throw failure(url, String(cString: strerror(errno))) }
    ok = true
  }

  static func failure(_ url: URL, _ reason: String) -> ImagingError {
    .unwritable(file: url.path, reason: reason)
  }
}
