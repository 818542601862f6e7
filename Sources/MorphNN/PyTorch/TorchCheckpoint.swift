import Foundation
import MorphTensor

/// Reads the files `torch.save` writes, without Python and without running anything in them.
///
/// Two formats exist. The zip one (PyTorch ≥ 1.6): `<name>/data.pkl`, a pickle whose
/// persistent ids `('storage', torch.FloatStorage, key, location, numel)` name storages kept
/// raw in `<name>/data/<key>`. The legacy one (what PyTorch 1.0 wrote, and
/// `_use_new_zipfile_serialization=False` still does): five pickles in a row — the magic number
/// 0x1950a86a20f9469cfc6c, the protocol version 1001, a sys-info dict, the object (persistent
/// ids may carry a storage view `(view_key, offset, size)`), the list of storage keys — then,
/// for each key in that order, an int64 element count and the raw little-endian elements. (See
/// torch/serialization.py and torch/_utils.py.) Pickles go through `RestrictedUnpickler`;
/// nested dicts and lists flatten to dotted names (`{"model": {"conv.weight": …}}` gives
/// `model.conv.weight`, list items their index).
public enum TorchCheckpoint {
  /// Which of the two formats a file is in.
  public enum Format: String, Sendable { case zip, legacy }

  /// Everything read from one file.
  public struct Contents {
    /// Every tensor as Float32 by flattened name.
    public var tensors: [String: Tensor]
    /// Each tensor's dtype in the file.
    public var dtypes: [String: TorchDType]
    /// The other leaves (epoch numbers, names, flags) as text, by flattened name.
    public var metadata: [String: String]
    public var format: Format
  }

  /// Every tensor of a torch.save file (either format), flattened to dotted names, as Float32.
  public static func read(_ url: URL, limits: TorchCheckpointLimits = .standard) throws -> [String: Tensor] {
    try load(url, limits: limits).tensors
  }

  /// Every tensor with its original dtype, the non-tensor leaves and the file's format.
  public static func load(_ url: URL, limits: TorchCheckpointLimits = .standard) throws -> Contents {
    let file = url.path
    let data: Data
    do {
      // Mapped, not read: storages are converted straight from the file's pages.
      data = try Data(contentsOf: url, options: .alwaysMapped)
    } catch {
      throw TorchCheckpointError.unreadable(file: file, reason: error.localizedDescription)
    }
    return try decode(data, file: file, limits: limits)
  }

  /// Reads checkpoint bytes already in memory (or mapped); `file` names them in errors.
  public static func decode(_ data: Data, file: String, limits: TorchCheckpointLimits = .standard) throws -> Contents {
    try data.withUnsafeBytes { raw in
      try decode(ByteReader(bytes: raw, file: file), limits: limits)
    }
  }

  // MARK: - Formats

  static func decode(_ reader: ByteReader, limits: TorchCheckpointLimits) throws -> Contents {
    let b = reader.bytes
    if reader.count >= 4, b[0] == 0x50, b[1] == 0x4B, (b[2] == 0x03 && b[3] == 0x04) || (b[2] == 0x05 && b[3] == 0x06) {
      return try decodeZip(reader, limits: limits)
    }
    if reader.count >= 2, b[0] == 0x80 {
      return try decodeLegacy(reader, limits: limits)
    }
    let head = b.prefix(4).map { String(format: "%02x", $0) }.joined(separator: " ")
    throw TorchCheckpointError.notACheckpoint(
      file: reader.file, offset: 0,
      reason: "it starts with \(head.isEmpty ? "nothing" : head), neither a zip archive (50 4b 03 04) nor a pickle (80)")
  }

  private static func decodeZip(_ reader: ByteReader, limits: TorchCheckpointLimits) throws -> Contents {
    let file = reader.file
    let archive = try ZipArchive(reader)
    let pickles = archive.entries.keys.filter { $0.hasSuffix("/data.pkl") && $0.split(separator: "/").count == 2 }
    guard pickles.count == 1, let pickleName = pickles.first, let pickle = archive.entries[pickleName] else {
      let scripted = archive.entries.keys.contains { $0.hasSuffix("constants.pkl") }
      throw TorchCheckpointError.notACheckpoint(
        file: file, offset: 0,
        reason: scripted
          ? "a TorchScript archive (torch.jit.save); save the model's state_dict() with torch.save instead"
          : pickles.isEmpty ? "a zip archive without <name>/data.pkl" : "a zip archive with several data.pkl")
    }
    let prefix = String(pickleName.dropLast("data.pkl".count))
    if let order = archive.entries[prefix + "byteorder"] {
      let text = String(decoding: try reader.slice(order.dataOffset, order.size, "the byteorder record"), as: UTF8.self)
      guard text.trimmingCharacters(in: .whitespacesAndNewlines) == "little" else {
        throw TorchCheckpointError.notACheckpoint(file: file, offset: order.dataOffset, reason: "byte order '\(text)' is not little-endian")
      }
    }
    var unpickler = RestrictedUnpickler(reader: reader, limits: limits)
    let root = try unpickler.load(from: pickle.dataOffset, end: pickle.dataOffset + pickle.size).value
    var regions: [String: UnsafeRawBufferPointer] = [:]
    for (key, storage) in unpickler.storages {
      let bytes = try declaredBytes(storage, file: file)
      guard let entry = archive.entries[prefix + "data/" + key] else {
        throw TorchCheckpointError.badTensor(file: file, key: key, reason: "storage has no entry \(prefix)data/\(key) in the archive")
      }
      guard bytes <= entry.size else {
        throw TorchCheckpointError.badTensor(
          file: file, key: key,
          reason: "storage declares \(storage.count) \(storage.dtype.rawValue) elements (\(bytes) bytes) "
            + "but the archive holds \(entry.size) bytes for it")
      }
      regions[key] = try reader.slice(entry.dataOffset, bytes, "storage '\(key)'")
    }
    return try materialize(root, regions: regions, format: .zip, file: file, limits: limits)
  }

  /// torch.save's legacy magic number 0x1950a86a20f9469cfc6c, little-endian.
  private static let magic: [UInt8] = [0x6C, 0xFC, 0x9C, 0x46, 0xF9, 0x20, 0x6A, 0xA8, 0x50, 0x19]

  private static func decodeLegacy(_ reader: ByteReader, limits: TorchCheckpointLimits) throws -> Contents {
    let file = reader.file
    var unpickler = RestrictedUnpickler(reader: reader, limits: limits)
    let end = reader.count
    let (number, afterMagic) = try unpickler.load(from: 0, end: end)
    guard case .bigInt(let bytes) = number, bytes == magic else {
      throw TorchCheckpointError.notACheckpoint(
        file: file, offset: 0,
        reason: "its first pickle is \(describe(number)), not torch.save's magic number 0x1950a86a20f9469cfc6c")
    }
    let (version, afterVersion) = try unpickler.load(from: afterMagic, end: end)
    guard case .int(1001) = version else {
      throw TorchCheckpointError.notACheckpoint(
        file: file, offset: afterMagic, reason: "protocol version \(describe(version)) is not torch.save's 1001")
    }
    let (info, afterInfo) = try unpickler.load(from: afterVersion, end: end)
    if case .dict(let dict) = info, let i = dict.keys.firstIndex(of: "little_endian"), case .bool(false) = dict.values[i] {
      throw TorchCheckpointError.notACheckpoint(file: file, offset: afterVersion, reason: "saved on a big-endian machine")
    }
    let (root, afterRoot) = try unpickler.load(from: afterInfo, end: end)
    let (keyList, afterKeys) = try unpickler.load(from: afterRoot, end: end)
    guard case .list(let keys) = keyList else {
      throw TorchCheckpointError.badPickle(file: file, offset: afterRoot, reason: "the storage key list is a \(keyList.kind)")
    }
    var regions: [String: UnsafeRawBufferPointer] = [:]
    var at = afterKeys
    for item in keys.items {
      guard case .string(let key) = item, let storage = unpickler.storages[key], regions[key] == nil else {
        throw TorchCheckpointError.badPickle(
          file: file, offset: afterRoot, reason: "the storage key list names \(describe(item)), not a storage of the object once")
      }
      let declared = Int64(bitPattern: try reader.u64(at, "the element count of storage '\(key)'"))
      let bytes = try declaredBytes(storage, file: file)
      guard declared == Int64(storage.count) else {
        throw TorchCheckpointError.badTensor(
          file: file, key: key, reason: "storage holds \(declared) elements at byte \(at) but the object declares \(storage.count)")
      }
      at += 8
      guard bytes <= reader.count - at else {
        throw TorchCheckpointError.badTensor(
          file: file, key: key,
          reason: "storage declares \(storage.count) \(storage.dtype.rawValue) elements (\(bytes) bytes) "
            + "but the file has \(reader.count - at) bytes left at byte \(at)")
      }
      regions[key] = try reader.slice(at, bytes, "storage '\(key)'")
      at += bytes
    }
    return try materialize(root, regions: regions, format: .legacy, file: file, limits: limits)
  }

  /// A storage's size in bytes, refusing counts whose byte size overflows.
  private static func declaredBytes(_ storage: StorageRef, file: String) throws -> Int {
    let (bytes, overflow) = storage.count.multipliedReportingOverflow(by: storage.dtype.elementSize)
    guard !overflow else {
      throw TorchCheckpointError.badTensor(file: file, key: storage.key, reason: "storage declares \(storage.count) elements")
    }
    return bytes
  }

  // MARK: - Flattening and conversion

  /// Flattens `root` and converts every tensor: all views are checked before any is converted.
  private static func materialize(
    _ root: PickleValue, regions: [String: UnsafeRawBufferPointer], format: Format, file: String,
    limits: TorchCheckpointLimits
  ) throws -> Contents {
    var leaves: [(name: String, value: PickleValue)] = []
    var visits = 0
    try flatten(root, name: "", depth: 0, into: &leaves, visits: &visits, file: file, limits: limits)
    var contents = Contents(tensors: [:], dtypes: [:], metadata: [:], format: format)
    var planned: [(name: String, ref: TensorRef, count: Int, bytes: UnsafeRawBufferPointer)] = []
    var seen = Set<String>()
    // Elements of the storages the tensors use, from the bytes really present (so no sum of
    // declared counts can overflow).
    var storageCounts: [String: Int] = [:]
    for case (_, .tensor(let ref)) in leaves {
      if let region = regions[ref.storage.key] { storageCounts[ref.storage.key] = region.count / ref.storage.dtype.elementSize }
    }
    let stored = storageCounts.values.reduce(0, +)
    var total = 0
    for (name, value) in leaves {
      guard seen.insert(name).inserted else {
        throw TorchCheckpointError.badTensor(file: file, key: name, reason: "two values flatten to this name")
      }
      guard case .tensor(let ref) = value else {
        contents.metadata[name] = describe(value)
        continue
      }
      let storage = ref.storage
      guard let region = regions[storage.key] else {
        throw TorchCheckpointError.badTensor(file: file, key: name, reason: "its storage '\(storage.key)' is not in the file")
      }
      let width = storage.dtype.elementSize
      let view = UnsafeRawBufferPointer(
        rebasing: region[(storage.viewOffset * width)..<((storage.viewOffset + storage.viewCount) * width)])
      let count = try TorchStorageConversion.check(ref, name: name, storageCount: storage.viewCount, file: file)
      // Views of one storage each become their own copy and a stride-0 view repeats elements,
      // so the tensors may hold more than the file: bound the excess before allocating.
      let (sum, overflow) = total.addingReportingOverflow(count)
      total = overflow ? Int.max : sum
      if overflow || total - stored > limits.maxExpandedElements {
        throw TorchCheckpointError.limitExceeded(
          file: file, offset: 0, what: "the number of elements beyond the file's storages (at '\(name)')",
          limit: limits.maxExpandedElements, found: total - stored)
      }
      planned.append((name, ref, count, view))
    }
    for item in planned {
      contents.tensors[item.name] = TorchStorageConversion.tensor(item.ref, count: item.count, storage: item.bytes)
      contents.dtypes[item.name] = item.ref.storage.dtype
    }
    return contents
  }

  /// Appends the leaves under `value`. `visits` counts every value visited, containers too:
  /// through its memo a pickle can reference one list from many places, so a small file
  /// could otherwise describe a tree of 2^64 empty lists.
  private static func flatten(
    _ value: PickleValue, name: String, depth: Int, into leaves: inout [(name: String, value: PickleValue)],
    visits: inout Int, file: String, limits: TorchCheckpointLimits
  ) throws {
    visits += 1
    guard visits <= limits.maxValues else {
      throw TorchCheckpointError.limitExceeded(
        file: file, offset: 0, what: "the number of values", limit: limits.maxValues, found: visits)
    }
    guard depth <= limits.maxNesting else {
      throw TorchCheckpointError.limitExceeded(
        file: file, offset: 0, what: "the nesting of dicts and lists at '\(name)'", limit: limits.maxNesting, found: depth)
    }
    func child(_ key: String) -> String { name.isEmpty ? key : name + "." + key }
    switch value {
    case .dict(let dict):
      for (key, item) in zip(dict.keys, dict.values) {
        try flatten(item, name: child(key), depth: depth + 1, into: &leaves, visits: &visits, file: file, limits: limits)
      }
    case .list(let list):
      for (i, item) in list.items.enumerated() {
        try flatten(item, name: child(String(i)), depth: depth + 1, into: &leaves, visits: &visits, file: file, limits: limits)
      }
    case .tuple(let items):
      for (i, item) in items.enumerated() {
        try flatten(item, name: child(String(i)), depth: depth + 1, into: &leaves, visits: &visits, file: file, limits: limits)
      }
    default:
      leaves.append((name.isEmpty ? "tensor" : name, value))
    }
  }

  /// A leaf as text for `Contents.metadata` and errors.
  static func describe(_ value: PickleValue) -> String {
    switch value {
    case .none: return "None"
    case .bool(let b): return b ? "True" : "False"
    case .int(let n): return String(n)
    case .bigInt(let bytes): return "0x" + bytes.reversed().map { String(format: "%02x", $0) }.joined()
    case .float(let x): return String(x)
    case .string(let s): return s
    case .bytes(let n): return "<\(n) bytes>"
    case .storage(let s): return "<storage '\(s.key)' of \(s.count) \(s.dtype.rawValue)>"
    case .tensor(let t): return "<tensor \(t.sizes)>"
    case .tuple, .list, .dict, .global: return "<\(value.kind)>"
    }
  }
}
