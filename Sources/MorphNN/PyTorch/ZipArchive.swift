// A reader for the zip archives `torch.save` writes (PyTorch ≥ 1.6), written by hand rather
// than taken from a package for three reasons: torch writes every entry *stored* (no
// compression, data aligned to 64 bytes), so reading needs only the directory — a few dozen
// lines, no inflate; entries are then read zero-copy straight out of the memory-mapped file;
// and the archive is a security boundary, so every offset and size it declares is checked
// here against the file's real length before use (ByteReader), with no extraction to disk
// and so no path to escape through.

import Foundation

/// The stored entries of a zip archive, by name, as byte ranges of the mapped file.
struct ZipArchive {
  /// One stored entry: where its bytes start in the file and how many there are.
  struct Entry {
    let name: String
    let dataOffset: Int
    let size: Int
  }

  /// Entries by name.
  let entries: [String: Entry]

  private static let endOfDirectory: UInt32 = 0x0605_4b50
  private static let zip64Locator: UInt32 = 0x0706_4b50
  private static let zip64EndOfDirectory: UInt32 = 0x0606_4b50
  private static let directoryEntry: UInt32 = 0x0201_4b50
  private static let localHeader: UInt32 = 0x0403_4b50

  /// Reads the central directory of the archive in `reader`.
  init(_ reader: ByteReader) throws {
    let file = reader.file
    func bad(_ offset: Int, _ reason: String) -> TorchCheckpointError {
      .badArchive(file: file, offset: offset, reason: reason)
    }
    // The end-of-central-directory record: 22 bytes plus a comment of at most 65535.
    guard let eocd = Self.findEndOfDirectory(reader.bytes) else {
      throw bad(
        reader.count,
        "no end-of-central-directory record in its last 64 KiB: the archive is truncated "
          + "(an interrupted copy or download); copy or download it again")
    }
    var entryCount = Int(try reader.u16(eocd + 10, "the entry count"))
    var directorySize = Int(try reader.u32(eocd + 12, "the directory size"))
    var directoryOffset = Int(try reader.u32(eocd + 16, "the directory offset"))
    if entryCount == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
      // Zip64: the real values sit in a record the locator just before the EOCD points to.
      let locator = eocd - 20
      guard locator >= 0, try reader.u32(locator, "the zip64 locator") == Self.zip64Locator else {
        throw bad(eocd, "saturated directory fields but no zip64 locator")
      }
      let record = try Self.int(reader.u64(locator + 8, "the zip64 record offset"), at: locator + 8, file: file)
      guard try reader.u32(record, "the zip64 end record") == Self.zip64EndOfDirectory else {
        throw bad(record, "the zip64 locator points at no zip64 end record")
      }
      entryCount = try Self.int(reader.u64(record + 32, "the zip64 entry count"), at: record + 32, file: file)
      directorySize = try Self.int(reader.u64(record + 40, "the zip64 directory size"), at: record + 40, file: file)
      directoryOffset = try Self.int(reader.u64(record + 48, "the zip64 directory offset"), at: record + 48, file: file)
    }
    try reader.require(directoryOffset, directorySize, "the central directory")
    // Each directory entry takes at least 46 bytes: a count the directory cannot hold is a
    // lie, refused before reserving anything for it.
    guard entryCount <= directorySize / 46 else {
      throw bad(eocd + 10, "\(entryCount) entries cannot fit in a \(directorySize)-byte directory")
    }
    var entries: [String: Entry] = [:]
    entries.reserveCapacity(entryCount)
    var at = directoryOffset
    let directoryEnd = directoryOffset + directorySize
    for _ in 0..<entryCount {
      guard at + 46 <= directoryEnd, try reader.u32(at, "a directory entry") == Self.directoryEntry else {
        throw bad(at, "expected a central directory entry")
      }
      let flags = try reader.u16(at + 8, "entry flags")
      let method = try reader.u16(at + 10, "entry method")
      var compressed = Int(try reader.u32(at + 20, "entry compressed size"))
      var size = Int(try reader.u32(at + 24, "entry size"))
      let nameLength = Int(try reader.u16(at + 28, "entry name length"))
      let extraLength = Int(try reader.u16(at + 30, "entry extra length"))
      let commentLength = Int(try reader.u16(at + 32, "entry comment length"))
      var local = Int(try reader.u32(at + 42, "entry local header offset"))
      let nameBytes = try reader.slice(at + 46, nameLength, "an entry name")
      guard let name = String(bytes: nameBytes, encoding: .utf8) else { throw bad(at + 46, "an entry name is not UTF-8") }
      // Zip64 extra field (id 1): 64-bit values for whichever of the three are saturated.
      var extra = at + 46 + nameLength
      let extraEnd = extra + extraLength
      try reader.require(extra, extraLength, "the extra fields of '\(name)'")
      while extra + 4 <= extraEnd {
        let id = try reader.u16(extra, "an extra field id")
        let length = Int(try reader.u16(extra + 2, "an extra field length"))
        guard extra + 4 + length <= extraEnd else { throw bad(extra, "an extra field of '\(name)' overruns its entry") }
        if id == 1 {
          var field = extra + 4
          func next() throws -> Int {
            guard field + 8 <= extra + 4 + length else { throw bad(field, "short zip64 field in '\(name)'") }
            defer { field += 8 }
            return try Self.int(reader.u64(field, "a zip64 value"), at: field, file: file)
          }
          if size == 0xFFFF_FFFF { size = try next() }
          if compressed == 0xFFFF_FFFF { compressed = try next() }
          if local == 0xFFFF_FFFF { local = try next() }
        }
        extra += 4 + length
      }
      guard flags & 1 == 0 else { throw bad(at, "entry '\(name)' is encrypted") }
      guard method == 0, compressed == size else {
        throw bad(at, "entry '\(name)' is compressed (method \(method)); torch.save stores its entries uncompressed")
      }
      guard try reader.u32(local, "the local header of '\(name)'") == Self.localHeader else {
        throw bad(local, "entry '\(name)' has no local header where the directory says")
      }
      let localName = Int(try reader.u16(local + 26, "a local name length"))
      let localExtra = Int(try reader.u16(local + 28, "a local extra length"))
      let data = local + 30 + localName + localExtra
      try reader.require(data, size, "the data of entry '\(name)'")
      guard entries[name] == nil else { throw bad(at, "two entries are named '\(name)'") }
      entries[name] = Entry(name: name, dataOffset: data, size: size)
      at += 46 + nameLength + extraLength + commentLength
    }
    self.entries = entries
  }

  /// The offset of the end-of-central-directory record, searching back over a comment.
  private static func findEndOfDirectory(_ bytes: UnsafeRawBufferPointer) -> Int? {
    guard bytes.count >= 22 else { return nil }
    let lowest = max(0, bytes.count - 22 - 0xFFFF)
    var at = bytes.count - 22
    while at >= lowest {
      if bytes[at] == 0x50, bytes[at + 1] == 0x4b, bytes[at + 2] == 0x05, bytes[at + 3] == 0x06 { return at }
      at -= 1
    }
    return nil
  }

  /// A 64-bit size or offset as an `Int`, refusing values no file can have.
  private static func int(_ value: UInt64, at offset: Int, file: String) throws -> Int {
    guard value <= UInt64(Int.max / 2) else {
      throw TorchCheckpointError.badArchive(file: file, offset: offset, reason: "size or offset \(value) is absurd")
    }
    return Int(value)
  }
}
