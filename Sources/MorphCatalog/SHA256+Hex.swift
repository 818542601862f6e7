import Crypto
import Foundation

// MARK: - Hex digests

/// Lower-case hex SHA-256 digests of bytes, strings and files: image content hashes, recipe
/// hashes, cache keys and artifact hashes all go through these, on swift-crypto's `SHA256`.
extension SHA256 {
  /// Lower-case hex digest of `data`.
  public static func hex(_ data: some DataProtocol) -> String { hash(data: data).hex }

  /// Lower-case hex digest of the UTF-8 bytes of `string`.
  public static func hex(_ string: String) -> String {
    var digest = SHA256()
    digest.update(string)
    return digest.finalize().hex
  }

  /// Lower-case hex digest of the file at `url`, read in 1 MiB chunks so memory stays flat.
  public static func hex(fileAt url: URL) throws -> String {
    guard let handle = try? FileHandle(forReadingFrom: url) else {
      throw CatalogError.unreadable(path: url.path, reason: "cannot open file")
    }
    defer { try? handle.close() }
    var digest = SHA256()
    while true {
      let chunk: Data?
      do { chunk = try handle.read(upToCount: 1 << 20) } catch {
        throw CatalogError.unreadable(path: url.path, reason: "\(error)")
      }
      guard let chunk, !chunk.isEmpty else { break }
      digest.update(data: chunk)
    }
    return digest.finalize().hex
  }

  /// Feeds the UTF-8 bytes of a string into the digest without copying them into a `Data`.
  public mutating func update(_ string: String) {
    var copy = string
    copy.withUTF8 { update(bufferPointer: UnsafeRawBufferPointer($0)) }
  }
}

extension SHA256Digest {
  /// Lower-case hex of the 32 digest bytes (String(format:) per byte would dominate a cache key).
  public var hex: String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(64)
    for byte in self {
      out.append(digits[Int(byte >> 4)])
      out.append(digits[Int(byte & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }
}
