import Foundation

/// Why a PyTorch checkpoint was refused. Every case names the file; those found while reading
/// bytes give the byte offset in the file, and those about one tensor or storage name it.
public enum TorchCheckpointError: Error, CustomStringConvertible, Equatable {
  /// The file could not be opened or mapped.
  case unreadable(file: String, reason: String)
  /// Neither a zip archive nor a legacy `torch.save` stream, or a wrong magic number or
  /// protocol version.
  case notACheckpoint(file: String, offset: Int, reason: String)
  /// The file ends before a structure it declares (a truncated download or copy).
  case truncated(file: String, offset: Int, needed: Int, available: Int, what: String)
  /// A zip archive whose directory or entries are inconsistent or use features torch does
  /// not write (compression, encryption, several archives).
  case badArchive(file: String, offset: Int, reason: String)
  /// A pickle opcode outside the few a state dict needs (it may execute code or is unknown).
  case forbiddenOpcode(file: String, offset: Int, opcode: String)
  /// A pickle global outside the allow-list (`os.system`, `builtins.eval`, a custom class).
  case forbiddenGlobal(file: String, offset: Int, global: String)
  /// A pickle that is well-formed opcode by opcode but builds something a state dict cannot
  /// hold (an allowed call with wrong arguments, a stack underflow, a missing memo entry).
  case badPickle(file: String, offset: Int, reason: String)
  /// A bound of `TorchCheckpointLimits` was exceeded.
  case limitExceeded(file: String, offset: Int, what: String, limit: Int, found: Int)
  /// A storage or tensor whose declared size the file cannot back, whose dtype is unsupported,
  /// or whose view reaches past its storage; `key` is the storage key or the tensor's name.
  case badTensor(file: String, key: String, reason: String)

  public var description: String {
    let advice = "the file was not loaded; nothing in it was executed"
    switch self {
    case .unreadable(let f, let r):
      return "\(f): cannot read: \(r)"
    case .notACheckpoint(let f, let o, let r):
      return "\(f): not a torch.save checkpoint (byte \(o)): \(r)"
    case .truncated(let f, let o, let n, let a, let w):
      return "\(f): truncated at byte \(o): \(w) needs \(n) bytes, the file has \(a) left; copy or download it again"
    case .badArchive(let f, let o, let r):
      return "\(f): bad zip archive at byte \(o): \(r)"
    case .forbiddenOpcode(let f, let o, let op):
      return "\(f): byte \(o): pickle opcode \(op) is not allowed in a state dict (it may run code); \(advice)"
    case .forbiddenGlobal(let f, let o, let g):
      return
        "\(f): byte \(o): pickle global '\(g)' is not allowed (only tensors, storages and dicts are); \(advice). "
        + "If the file is trusted, re-save just its state dict with torch.save(model.state_dict(), path)"
    case .badPickle(let f, let o, let r):
      return "\(f): malformed pickle at byte \(o): \(r)"
    case .limitExceeded(let f, let o, let w, let l, let n):
      return "\(f): byte \(o): \(w) is \(n), over the limit of \(l); \(advice)"
    case .badTensor(let f, let k, let r):
      return "\(f): '\(k)': \(r)"
    }
  }
}

/// Bounds on what reading one checkpoint may allocate, so a hostile or corrupt file fails
/// with an error instead of exhausting memory. Sizes declared in the file are checked against
/// these and against the bytes actually present before anything is allocated.
public struct TorchCheckpointLimits: Sendable, Equatable {
  /// Largest pickle (`data.pkl` or the legacy main pickle), in bytes.
  public var maxPickleBytes: Int
  /// Deepest the unpickler's stack (values plus marks) may grow.
  public var maxStackDepth: Int
  /// Most memo entries (`BINPUT`/`MEMOIZE`).
  public var maxMemoEntries: Int
  /// Longest string or bytes value, in bytes.
  public var maxStringBytes: Int
  /// Deepest nesting of dicts and lists when flattening names.
  public var maxNesting: Int
  /// Most values (tensors, other leaves and the dicts and lists holding them) visited when
  /// flattening; a shared sub-container counts once per place it appears, so this also bounds
  /// a pickle that reuses one list exponentially often through its memo.
  public var maxValues: Int
  /// Most elements all tensors together may hold beyond the bytes of the file's storages:
  /// views of one storage each become their own copy and a stride-0 `expand` repeats
  /// elements, so without a bound a small file could claim gigabytes.
  public var maxExpandedElements: Int

  public init(
    maxPickleBytes: Int, maxStackDepth: Int, maxMemoEntries: Int, maxStringBytes: Int, maxNesting: Int,
    maxValues: Int, maxExpandedElements: Int
  ) {
    self.maxPickleBytes = maxPickleBytes
    self.maxStackDepth = maxStackDepth
    self.maxMemoEntries = maxMemoEntries
    self.maxStringBytes = maxStringBytes
    self.maxNesting = maxNesting
    self.maxValues = maxValues
    self.maxExpandedElements = maxExpandedElements
  }

  /// Generous for any model checkpoint (VGG19's state dict pickle is ~20 KB with 38 tensors).
  public static let standard = TorchCheckpointLimits(
    maxPickleBytes: 256 << 20, maxStackDepth: 1 << 20, maxMemoEntries: 1 << 22, maxStringBytes: 16 << 20,
    maxNesting: 64, maxValues: 1 << 22, maxExpandedElements: 64 << 20)
}
