import Foundation

/// Bounds-checked little-endian reads over a memory-mapped checkpoint. Every offset in a
/// checkpoint comes from the file itself, so each read checks it (without overflow) before
/// touching memory and says what it was reading when it fails.
struct ByteReader {
  /// The whole file.
  let bytes: UnsafeRawBufferPointer
  /// The file's path, for errors.
  let file: String

  var count: Int { bytes.count }

  /// Throws unless `length` bytes from `offset` lie inside the file.
  func require(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws {
    guard offset >= 0, length >= 0, offset <= bytes.count else {
      throw TorchCheckpointError.truncated(file: file, offset: max(0, offset), needed: length, available: 0, what: what())
    }
    guard length <= bytes.count - offset else {
      throw TorchCheckpointError.truncated(
        file: file, offset: offset, needed: length, available: bytes.count - offset, what: what())
    }
  }

  func u8(_ offset: Int, _ what: @autoclosure () -> String) throws -> UInt8 {
    try require(offset, 1, what())
    return bytes[offset]
  }

  func u16(_ offset: Int, _ what: @autoclosure () -> String) throws -> UInt16 {
    try require(offset, 2, what())
    return UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
  }

  func u32(_ offset: Int, _ what: @autoclosure () -> String) throws -> UInt32 {
    try require(offset, 4, what())
    return UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
  }

  func u64(_ offset: Int, _ what: @autoclosure () -> String) throws -> UInt64 {
    try require(offset, 8, what())
    return UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
  }

  /// `length` bytes from `offset`, checked, without copying.
  func slice(_ offset: Int, _ length: Int, _ what: @autoclosure () -> String) throws -> UnsafeRawBufferPointer {
    try require(offset, length, what())
    return UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)])
  }
}
