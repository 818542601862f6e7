import Foundation

/// SHA-256 (FIPS 180-4), used for image content hashes, recipe hashes and artifact hashes.
///
/// Foundation on Linux has no digest API and the package has no crypto dependency, so the
/// compression function lives here; it works on raw buffers without per-block allocation.
public struct SHA256: Sendable {
  private var state: (UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32, UInt32) = (
    0x6a09_e667, 0xbb67_ae85, 0x3c6e_f372, 0xa54f_f53a, 0x510e_527f, 0x9b05_688c, 0x1f83_d9ab, 0x5be0_cd19
  )
  private var buffer = [UInt8](repeating: 0, count: 64)
  private var buffered = 0
  private var length: UInt64 = 0

  public init() {}

  /// Feeds bytes into the digest.
  public mutating func update(_ bytes: UnsafeRawBufferPointer) {
    guard var base = bytes.baseAddress else { return }
    var count = bytes.count
    length &+= UInt64(count)
    if buffered > 0 {
      let take = min(64 - buffered, count)
      let start = buffered
      buffer.withUnsafeMutableBytes {
        UnsafeMutableRawBufferPointer(rebasing: $0[start..<start + take])
          .copyMemory(from: UnsafeRawBufferPointer(start: base, count: take))
      }
      buffered += take
      base += take
      count -= take
      if buffered == 64 {
        let copy = buffer
        copy.withUnsafeBytes { compress($0) }
        buffered = 0
      }
    }
    if count >= 64 {
      let blocks = count / 64
      compress(UnsafeRawBufferPointer(start: base, count: blocks * 64))
      base += blocks * 64
      count -= blocks * 64
    }
    if count > 0 {
      let n = count
      buffer.withUnsafeMutableBytes {
        UnsafeMutableRawBufferPointer(rebasing: $0[0..<n]).copyMemory(
          from: UnsafeRawBufferPointer(start: base, count: n))
      }
      buffered = count
    }
  }

  /// Feeds bytes into the digest.
  public mutating func update(_ data: Data) {
    data.withUnsafeBytes { update($0) }
  }

  /// Feeds the UTF-8 bytes of a string into the digest.
  public mutating func update(_ string: String) {
    var copy = string
    copy.withUTF8 { update(UnsafeRawBufferPointer($0)) }
  }

  /// Finishes and returns the 32-byte digest.
  public mutating func finalize() -> [UInt8] {
    let bitLength = length &* 8
    var tail = [UInt8](repeating: 0, count: buffered < 56 ? 64 : 128)
    for i in 0..<buffered { tail[i] = buffer[i] }
    tail[buffered] = 0x80
    for i in 0..<8 { tail[tail.count - 1 - i] = UInt8(truncatingIfNeeded: bitLength >> (8 * UInt64(i))) }
    tail.withUnsafeBytes { compress($0) }
    buffered = 0
    let words = [state.0, state.1, state.2, state.3, state.4, state.5, state.6, state.7]
    return words.flatMap { w in (0..<4).map { UInt8(truncatingIfNeeded: w >> (24 - 8 * UInt32($0))) } }
  }

  /// Lower-case hex digest of `data`.
  public static func hex(_ data: Data) -> String {
    var digest = SHA256()
    digest.update(data)
    return hexString(digest.finalize())
  }

  /// Lower-case hex digest of the UTF-8 bytes of `string`.
  public static func hex(_ string: String) -> String {
    var digest = SHA256()
    digest.update(string)
    return hexString(digest.finalize())
  }

  /// Lower-case hex digest of the file at `url`, read in 1 MiB chunks.
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
      digest.update(chunk)
    }
    return hexString(digest.finalize())
  }

  static func hexString(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  // MARK: - Compression function

  private static let k: [UInt32] = [
    0x428a_2f98, 0x7137_4491, 0xb5c0_fbcf, 0xe9b5_dba5, 0x3956_c25b, 0x59f1_11f1, 0x923f_82a4, 0xab1c_5ed5,
    0xd807_aa98, 0x1283_5b01, 0x2431_85be, 0x550c_7dc3, 0x72be_5d74, 0x80de_b1fe, 0x9bdc_06a7, 0xc19b_f174,
    0xe49b_69c1, 0xefbe_4786, 0x0fc1_9dc6, 0x240c_a1cc, 0x2de9_2c6f, 0x4a74_84aa, 0x5cb0_a9dc, 0x76f9_88da,
    0x983e_5152, 0xa831_c66d, 0xb003_27c8, 0xbf59_7fc7, 0xc6e0_0bf3, 0xd5a7_9147, 0x06ca_6351, 0x1429_2967,
    0x27b7_0a85, 0x2e1b_2138, 0x4d2c_6dfc, 0x5338_0d13, 0x650a_7354, 0x766a_0abb, 0x81c2_c92e, 0x9272_2c85,
    0xa2bf_e8a1, 0xa81a_664b, 0xc24b_8b70, 0xc76c_51a3, 0xd192_e819, 0xd699_0624, 0xf40e_3585, 0x106a_a070,
    0x19a4_c116, 0x1e37_6c08, 0x2748_774c, 0x34b0_bcb5, 0x391c_0cb3, 0x4ed8_aa4a, 0x5b9c_ca4f, 0x682e_6ff3,
    0x748f_82ee, 0x78a5_636f, 0x84c8_7814, 0x8cc7_0208, 0x90be_fffa, 0xa450_6ceb, 0xbef9_a3f7, 0xc671_78f2,
  ]

  @inline(__always) private static func rotr(_ x: UInt32, _ n: UInt32) -> UInt32 { (x >> n) | (x << (32 - n)) }

  /// Compresses every whole 64-byte block of `bytes` into the state.
  private mutating func compress(_ bytes: UnsafeRawBufferPointer) {
    guard let input = bytes.baseAddress else { return }
    let blocks = bytes.count / 64
    var w = [UInt32](repeating: 0, count: 64)
    var (h0, h1, h2, h3, h4, h5, h6, h7) = state
    Self.k.withUnsafeBufferPointer { k in
      w.withUnsafeMutableBufferPointer { w in
        for block in 0..<blocks {
          let p = input + block * 64
          for i in 0..<16 {
            let b = p + i * 4
            w[i] =
              UInt32(b.load(as: UInt8.self)) << 24 | UInt32(b.load(fromByteOffset: 1, as: UInt8.self)) << 16
              | UInt32(b.load(fromByteOffset: 2, as: UInt8.self)) << 8
              | UInt32(b.load(fromByteOffset: 3, as: UInt8.self))
          }
          for i in 16..<64 {
            let s0 = Self.rotr(w[i - 15], 7) ^ Self.rotr(w[i - 15], 18) ^ (w[i - 15] >> 3)
            let s1 = Self.rotr(w[i - 2], 17) ^ Self.rotr(w[i - 2], 19) ^ (w[i - 2] >> 10)
            w[i] = w[i - 16] &+ s0 &+ w[i - 7] &+ s1
          }
          var (a, b, c, d, e, f, g, h) = (h0, h1, h2, h3, h4, h5, h6, h7)
          for i in 0..<64 {
            let s1 = Self.rotr(e, 6) ^ Self.rotr(e, 11) ^ Self.rotr(e, 25)
            let ch = (e & f) ^ (~e & g)
            let t1 = h &+ s1 &+ ch &+ k[i] &+ w[i]
            let s0 = Self.rotr(a, 2) ^ Self.rotr(a, 13) ^ Self.rotr(a, 22)
            let maj = (a & b) ^ (a & c) ^ (b & c)
            let t2 = s0 &+ maj
            h = g
            g = f
            f = e
            e = d &+ t1
            d = c
            c = b
            b = a
            a = t1 &+ t2
          }
          h0 = h0 &+ a
          h1 = h1 &+ b
          h2 = h2 &+ c
          h3 = h3 &+ d
          h4 = h4 &+ e
          h5 = h5 &+ f
          h6 = h6 &+ g
          h7 = h7 &+ h
        }
      }
    }
    state = (h0, h1, h2, h3, h4, h5, h6, h7)
  }
}
