import Foundation

#if canImport(Glibc)
  import Glibc
#endif

/// Reads an annotation table found in a dataset folder (CelebA's lists, an attribute CSV) with
/// its memory bounded: only a regular file — a link to `/dev/zero` or a FIFO planted in the
/// folder would otherwise be read forever, or block — and at most `byteLimit` bytes. (MorphImaging's
/// `BoundedFile` does the same for the files it reads; the catalog shares no module with it.)
enum TableFile {
  /// CelebA's largest table, `list_attr_celeba.txt`, is 26 MB for 202,599 faces.
  static let byteLimit = 1 << 30

  static func bytes(_ url: URL, limit: Int = byteLimit) throws -> [UInt8] {
    func refuse(_ reason: String) -> CatalogError { .unreadable(path: url.path, reason: reason) }
    // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
    let fd = open(url.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
    guard fd >= 0 else { throw refuse("no such file or not readable (\(String(cString: strerror(errno))))") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else {
      throw refuse("not a regular file (a folder, device, FIFO or socket)")
    }
    let size = Int(info.st_size)
    guard size <= limit else { throw refuse("\(size) bytes, more than the \(limit) a table may have") }
    var bytes = [UInt8](repeating: 0, count: size)
    var done = 0
    while done < size {
      let n = bytes.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress! + done, size - done) }
      if n < 0, errno == EINTR { continue }
      guard n > 0 else {
        if n == 0 { break }  // shrank while being read: keep what is there
        throw refuse("cannot read (\(String(cString: strerror(errno))))")
      }
      done += n
    }
    return done == size ? bytes : Array(bytes[..<done])
  }
}
