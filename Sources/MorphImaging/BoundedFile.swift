import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads a whole file that came from outside — a sidecar, a list or a table found in a data
/// folder — with its memory bounded: only a regular file (a link to `/dev/zero` or a FIFO planted
/// in the folder would otherwise be read forever, or block), and only up to `limit` bytes.
public enum BoundedFile {
  /// Why a file was not read; `reason` is written to follow the file's name.
  public struct Refusal: Error, CustomStringConvertible, Sendable {
    public let reason: String
    public var description: String { reason }
  }

  /// The file's bytes; throws `Refusal` for a missing or unreadable file, one that is not a
  /// regular file, or one larger than `limit` bytes.
  public static func read(_ url: URL, limit: Int) throws -> Data {
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    let fd = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw Refusal(reason: "cannot open: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw Refusal(reason: "cannot stat: \(String(cString: strerror(errno)))") }
    switch info.st_mode & S_IFMT {
    case S_IFREG: break
    case S_IFDIR: throw Refusal(reason: "is a folder, not a file")
    default: throw Refusal(reason: "is not a regular file (a device, FIFO or socket)")
    }
    let size = Int(info.st_size)
    guard size <= limit else {
      throw Refusal(reason: "is \(size) bytes, more than the \(limit) this kind of file may have")
    }
    var data = Data(count: size)
    var done = 0
    try data.withUnsafeMutableBytes { (buffer: UnsafeMutableRawBufferPointer) in
      while done < size {
        let n = Glibc.read(fd, buffer.baseAddress! + done, size - done)
        if n < 0, errno == EINTR { continue }
        guard n >= 0 else { throw Refusal(reason: "cannot read: \(String(cString: strerror(errno)))") }
        if n == 0 { break }  // shrank while being read: keep what is there
        done += n
      }
    }
    return data.prefix(done)
  }

  /// `read` as UTF-8 text.
  public static func text(_ url: URL, limit: Int) throws -> String {
    guard let text = String(data: try read(url, limit: limit), encoding: .utf8) else {
      throw Refusal(reason: "is not UTF-8 text")
    }
    return text
  }
}
