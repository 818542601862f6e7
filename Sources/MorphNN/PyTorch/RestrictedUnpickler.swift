// Written by hand: no Swift package reads pickles, and Python's own unpickler executes
// whatever callables a file names (that is how a .pth file runs code). This one interprets a
// fixed allow-list instead and never calls anything.

import Foundation

/// A pickle reader that executes nothing: it understands only the opcodes a PyTorch state dict
/// uses (protocol 2 as `torch.save` writes it, and 3–5 for files saved with a higher
/// `pickle_protocol`) and the globals of `TorchGlobal`, whose effect it builds itself. Any
/// other opcode (`INST`, `OBJ`, `EXT1`, …) or global (`os.system`, `builtins.eval`, a user's
/// class) is refused at its byte offset before anything is built from it.
///
/// Memory is bounded by `TorchCheckpointLimits`: the stack, the memo and every string are
/// checked before they grow, and a length is checked against the bytes actually left.
struct RestrictedUnpickler {
  let reader: ByteReader
  let limits: TorchCheckpointLimits
  /// Storages named by persistent ids so far, by key: the same key must always be declared
  /// with the same dtype and element count.
  private(set) var storages: [String: StorageRef] = [:]

  init(reader: ByteReader, limits: TorchCheckpointLimits) {
    self.reader = reader
    self.limits = limits
  }

  private var file: String { reader.file }

  /// Reads one pickle starting at `start` (it may not extend past `end`); returns its value
  /// and the offset just after its `STOP`.
  mutating func load(from start: Int, end available: Int) throws -> (value: PickleValue, end: Int) {
    // A legacy file's pickles are followed by its storages, so `available` may be far past the
    // pickle's real end: the size limit applies to what is read, not to what is available.
    let limit = limits.maxPickleBytes
    let end = limit < available - start ? start + limit : available
    var stack: [PickleValue] = []
    var marks: [Int] = []
    var memo: [Int: PickleValue] = [:]
    var at = start
    var opOffset = start

    func fail(_ reason: String) -> TorchCheckpointError {
      .badPickle(file: file, offset: opOffset, reason: reason)
    }
    func need(_ n: Int, _ what: String) throws {
      guard n >= 0, n <= end - at else {
        if n >= 0, end < available {
          throw TorchCheckpointError.limitExceeded(
            file: file, offset: opOffset, what: "the pickle's size in bytes", limit: limit,
            found: n > Int.max - (at - start) ? Int.max : at - start + n)
        }
        throw TorchCheckpointError.truncated(file: file, offset: at, needed: n, available: end - at, what: what)
      }
    }
    func byte(_ what: String = "a pickle opcode argument") throws -> Int {
      try need(1, what)
      defer { at += 1 }
      return Int(reader.bytes[at])
    }
    func u16() throws -> Int {
      try need(2, "a pickle opcode argument")
      defer { at += 2 }
      return Int(try reader.u16(at, "a pickle opcode argument"))
    }
    func u32() throws -> Int {
      try need(4, "a pickle opcode argument")
      defer { at += 4 }
      return Int(try reader.u32(at, "a pickle opcode argument"))
    }
    func i32() throws -> Int { Int(Int32(truncatingIfNeeded: try u32())) }
    func u64() throws -> Int {
      try need(8, "a pickle opcode argument")
      let value = try reader.u64(at, "a pickle opcode argument")
      at += 8
      guard value <= UInt64(Int.max) else { throw fail("length \(value) is absurd") }
      return Int(value)
    }
    /// `length` raw bytes, checked against the limit and the bytes left before anything is made.
    func raw(_ length: Int, _ what: String) throws -> UnsafeRawBufferPointer {
      guard length <= limits.maxStringBytes else {
        throw TorchCheckpointError.limitExceeded(
          file: file, offset: opOffset, what: "the length of a \(what)", limit: limits.maxStringBytes, found: length)
      }
      try need(length, "a \(what) of \(length) bytes")
      defer { at += length }
      return try reader.slice(at, length, what)
    }
    func text(_ length: Int) throws -> String {
      guard let s = String(bytes: try raw(length, "string"), encoding: .utf8) else { throw fail("a string is not UTF-8") }
      return s
    }
    /// A protocol-0 style line argument (`GLOBAL`'s module and name), at most 256 bytes.
    func line() throws -> String {
      var n = 0
      while true {
        try need(n + 1, "a newline-terminated name")
        if reader.bytes[at + n] == 0x0A { break }
        n += 1
        guard n <= 256 else { throw fail("a global's name is longer than 256 bytes") }
      }
      guard let s = String(bytes: try reader.slice(at, n, "a name"), encoding: .utf8) else { throw fail("a name is not UTF-8") }
      at += n + 1
      return s
    }
    func push(_ value: PickleValue) throws {
      guard stack.count + marks.count < limits.maxStackDepth else {
        throw TorchCheckpointError.limitExceeded(
          file: file, offset: opOffset, what: "the pickle stack's depth", limit: limits.maxStackDepth,
          found: stack.count + marks.count + 1)
      }
      stack.append(value)
    }
    func pop() throws -> PickleValue {
      guard let value = stack.popLast(), stack.count >= (marks.last ?? 0) else { throw fail("stack underflow") }
      return value
    }
    func top() throws -> PickleValue {
      guard let value = stack.last, stack.count > (marks.last ?? 0) else { throw fail("stack underflow") }
      return value
    }
    /// The values pushed since the last `MARK`, removing them and the mark.
    func popMark() throws -> [PickleValue] {
      guard let mark = marks.popLast() else { throw fail("no MARK before a MARK-terminated opcode") }
      let items = Array(stack[mark...])
      stack.removeSubrange(mark...)
      return items
    }
    func remember(_ index: Int) throws {
      guard memo[index] != nil || memo.count < limits.maxMemoEntries else {
        throw TorchCheckpointError.limitExceeded(
          file: file, offset: opOffset, what: "the pickle memo's size", limit: limits.maxMemoEntries, found: memo.count + 1)
      }
      memo[index] = try top()
    }
    func recall(_ index: Int) throws {
      guard let value = memo[index] else { throw fail("memo entry \(index) is read before it is written") }
      try push(value)
    }
    func global(module: String, name: String) throws -> PickleValue {
      guard let resolved = TorchGlobal(module: module, name: name) else {
        throw TorchCheckpointError.forbiddenGlobal(file: file, offset: opOffset, global: "\(module).\(name)")
      }
      return .global(resolved)
    }
    func setItems(_ items: [PickleValue], into target: PickleValue) throws {
      guard case .dict(let dict) = target else { throw fail("SETITEM(S) on a \(target.kind), not a dict") }
      guard items.count % 2 == 0 else { throw fail("SETITEMS with an odd number of values") }
      var i = 0
      while i < items.count {
        dict.set(try dictKey(items[i]), items[i + 1])
        i += 2
      }
    }
    func dictKey(_ key: PickleValue) throws -> String {
      switch key {
      case .string(let s): return s
      case .int(let n): return String(n)
      default: throw fail("a dict key is a \(key.kind); state dicts have string keys")
      }
    }

    while true {
      opOffset = at
      let op = UInt8(try byte("the next opcode (the pickle ends without STOP)"))
      switch op {
      case 0x80:  // PROTO
        let version = try byte()
        guard version <= 5 else { throw fail("pickle protocol \(version) is unknown") }
      case 0x95:  // FRAME: a length hint only
        _ = try u64()
      case 0x2E:  // STOP
        return (try pop(), at)
      case 0x28:  // MARK
        guard stack.count + marks.count < limits.maxStackDepth else {
          throw TorchCheckpointError.limitExceeded(
            file: file, offset: opOffset, what: "the pickle stack's depth", limit: limits.maxStackDepth,
            found: stack.count + marks.count + 1)
        }
        marks.append(stack.count)
      case 0x30:  // POP
        _ = try pop()
      case 0x31:  // POP_MARK
        _ = try popMark()
      case 0x32:  // DUP
        try push(try top())
      case 0x4E: try push(.none)  // NONE
      case 0x88: try push(.bool(true))  // NEWTRUE
      case 0x89: try push(.bool(false))  // NEWFALSE
      case 0x4A: try push(.int(try i32()))  // BININT
      case 0x4B: try push(.int(try byte()))  // BININT1
      case 0x4D: try push(.int(try u16()))  // BININT2
      case 0x8A:  // LONG1: little-endian two's complement of n bytes
        let n = try byte()
        let bytes = try raw(n, "long integer")
        if n <= 8 {
          var value: UInt64 = 0
          for (i, b) in bytes.enumerated() { value |= UInt64(b) << (8 * UInt64(i)) }
          if n > 0, n < 8, bytes[n - 1] & 0x80 != 0 { value |= ~0 << (8 * UInt64(n)) }  // sign-extend
          try push(.int(Int(Int64(bitPattern: value))))
        } else {
          guard n <= 32 else { throw fail("an integer of \(n) bytes") }
          try push(.bigInt(Array(bytes)))
        }
      case 0x47:  // BINFLOAT: big-endian IEEE double
        try need(8, "a float")
        let bits = UInt64(bigEndian: reader.bytes.loadUnaligned(fromByteOffset: at, as: UInt64.self))
        at += 8
        try push(.float(Double(bitPattern: bits)))
      case 0x58: try push(.string(try text(try u32())))  // BINUNICODE
      case 0x8C: try push(.string(try text(try byte())))  // SHORT_BINUNICODE
      case 0x8D: try push(.string(try text(try u64())))  // BINUNICODE8
      case 0x54:  // BINSTRING (Python 2 str), read as Latin-1 as Python 3 does with encoding='latin1'
        let n = try i32()
        guard n >= 0 else { throw fail("negative string length") }
        try push(.string(String(decoding: try raw(n, "string").map { UInt16($0) }, as: UTF16.self)))
      case 0x55:  // SHORT_BINSTRING
        try push(.string(String(decoding: try raw(try byte(), "string").map { UInt16($0) }, as: UTF16.self)))
      case 0x43: try push(.bytes(try raw(try byte(), "bytes").count))  // SHORT_BINBYTES
      case 0x42: try push(.bytes(try raw(try u32(), "bytes").count))  // BINBYTES
      case 0x8E: try push(.bytes(try raw(try u64(), "bytes").count))  // BINBYTES8
      case 0x29: try push(.tuple([]))  // EMPTY_TUPLE
      case 0x85: try push(.tuple([try pop()]))  // TUPLE1
      case 0x86:  // TUPLE2
        let b = try pop(), a = try pop()
        try push(.tuple([a, b]))
      case 0x87:  // TUPLE3
        let c = try pop(), b = try pop(), a = try pop()
        try push(.tuple([a, b, c]))
      case 0x74: try push(.tuple(try popMark()))  // TUPLE
      case 0x5D: try push(.list(PickleList()))  // EMPTY_LIST
      case 0x6C:  // LIST
        let list = PickleList()
        list.items = try popMark()
        try push(.list(list))
      case 0x61:  // APPEND
        let item = try pop()
        guard case .list(let list) = try top() else { throw fail("APPEND to a \(try top().kind), not a list") }
        list.items.append(item)
      case 0x65:  // APPENDS
        let items = try popMark()
        guard case .list(let list) = try top() else { throw fail("APPENDS to a \(try top().kind), not a list") }
        list.items.append(contentsOf: items)
      case 0x7D: try push(.dict(PickleDict()))  // EMPTY_DICT
      case 0x64:  // DICT
        let items = try popMark()
        let dict = PickleValue.dict(PickleDict())
        try setItems(items, into: dict)
        try push(dict)
      case 0x73:  // SETITEM
        let value = try pop(), key = try pop()
        try setItems([key, value], into: try top())
      case 0x75:  // SETITEMS
        let items = try popMark()
        try setItems(items, into: try top())
      case 0x71: try remember(try byte())  // BINPUT
      case 0x72: try remember(try u32())  // LONG_BINPUT
      case 0x94: try remember(memo.count)  // MEMOIZE
      case 0x68: try recall(try byte())  // BINGET
      case 0x6A: try recall(try u32())  // LONG_BINGET
      case 0x63:  // GLOBAL
        let module = try line(), name = try line()
        try push(try global(module: module, name: name))
      case 0x93:  // STACK_GLOBAL
        guard case .string(let name) = try pop(), case .string(let module) = try pop() else {
          throw fail("STACK_GLOBAL needs two strings")
        }
        try push(try global(module: module, name: name))
      case 0x51:  // BINPERSID
        try push(.storage(try persistentStorage(try pop(), at: opOffset)))
      case 0x52, 0x81:  // REDUCE, NEWOBJ: interpreted for the allow-listed callables only
        let args = try pop(), callable = try pop()
        guard case .global(let g) = callable else { throw fail("REDUCE/NEWOBJ on a \(callable.kind), not an allowed global") }
        guard case .tuple(let a) = args else { throw fail("REDUCE/NEWOBJ with \(args.kind) arguments, not a tuple") }
        try push(try apply(g, a, at: opOffset))
      case 0x62:  // BUILD: object state; only a dict's attributes (a state dict's _metadata) occur
        let state = try pop()
        switch (try top(), state) {
        case (.dict, .dict), (.dict, .none), (.tensor, .none): break
        case (let target, _): throw fail("BUILD on a \(target.kind) with a \(state.kind) state")
        }
      default:
        throw TorchCheckpointError.forbiddenOpcode(file: file, offset: opOffset, opcode: Self.opcodeName(op))
      }
    }
  }

  // MARK: - Interpreting torch's objects

  /// A storage from a persistent id `('storage', torch.XStorage, key, location, numel[, view])`.
  private mutating func persistentStorage(_ pid: PickleValue, at offset: Int) throws -> StorageRef {
    func fail(_ reason: String) -> TorchCheckpointError { .badPickle(file: file, offset: offset, reason: reason) }
    guard case .tuple(let parts) = pid, let first = parts.first, case .string(let typename) = first else {
      throw fail("a persistent id that is not a ('storage', …) tuple")
    }
    guard typename == "storage" else {
      throw TorchCheckpointError.forbiddenGlobal(
        file: file, offset: offset, global: "persistent id '\(typename)' (a pickled nn.Module class; save model.state_dict() instead)")
    }
    guard parts.count == 5 || parts.count == 6, case .global(.storageType(let dtype)) = parts[1],
      case .string(let key) = parts[2], case .string = parts[3], case .int(let count) = parts[4], count >= 0
    else { throw fail("a storage persistent id is not ('storage', type, key, location, numel[, view])") }
    var viewOffset = 0
    var viewCount = count
    if parts.count == 6 {
      switch parts[5] {
      case .none: break
      case .tuple(let view):
        guard view.count == 3, case .string = view[0], case .int(let o) = view[1], case .int(let n) = view[2],
          o >= 0, n >= 0, o <= count, n <= count - o
        else {
          throw TorchCheckpointError.badTensor(
            file: file, key: key, reason: "a storage view reaches past its storage of \(count) elements")
        }
        (viewOffset, viewCount) = (o, n)
      default: throw fail("a storage's view metadata is a \(parts[5].kind)")
      }
    }
    if let known = storages[key], known.dtype != dtype || known.count != count {
      throw TorchCheckpointError.badTensor(
        file: file, key: key,
        reason: "storage declared as \(known.count) \(known.dtype.rawValue) and as \(count) \(dtype.rawValue) elements")
    }
    storages[key] = StorageRef(key: key, dtype: dtype, count: count, viewOffset: 0, viewCount: count)
    return StorageRef(key: key, dtype: dtype, count: count, viewOffset: viewOffset, viewCount: viewCount)
  }

  /// The value an allow-listed callable would return for `args`, built without calling it.
  private func apply(_ callable: TorchGlobal, _ args: [PickleValue], at offset: Int) throws -> PickleValue {
    func fail(_ reason: String) -> TorchCheckpointError { .badPickle(file: file, offset: offset, reason: reason) }
    func ints(_ value: PickleValue, _ what: String) throws -> [Int] {
      guard case .tuple(let items) = value else { throw fail("\(what) is a \(value.kind), not a tuple") }
      return try items.map {
        guard case .int(let n) = $0, n >= 0 else { throw fail("\(what) holds \($0.kind) or a negative value") }
        return n
      }
    }
    switch callable {
    case .orderedDict:
      let dict = PickleDict()
      if let pairs = args.first {
        guard args.count == 1, case .list(let list) = pairs else { throw fail("OrderedDict(…) with arguments other than a list of pairs") }
        for pair in list.items {
          guard case .tuple(let kv) = pair, kv.count == 2, case .string(let k) = kv[0] else {
            throw fail("OrderedDict(…) with an item that is not a (str, value) pair")
          }
          dict.set(k, kv[1])
        }
      }
      return .dict(dict)
    case .rebuildTensor, .rebuildTensorV2:
      let arity = callable == .rebuildTensor ? [4] : [6, 7]
      guard arity.contains(args.count), case .storage(let storage) = args[0], case .int(let start) = args[1], start >= 0 else {
        throw fail("_rebuild_tensor with arguments other than (storage, offset, size, stride, …)")
      }
      let sizes = try ints(args[2], "a tensor's size"), strides = try ints(args[3], "a tensor's stride")
      guard sizes.count == strides.count else { throw fail("a tensor has \(sizes.count) sizes but \(strides.count) strides") }
      // An axis of size 1 is never stepped along, so its stride is meaningless; zeroing it
      // keeps a hostile stride (Int.max) out of the offset arithmetic.
      let used = zip(sizes, strides).map { $0 == 1 ? 0 : $1 }
      return .tensor(TensorRef(storage: storage, offset: start, sizes: sizes, strides: used))
    case .rebuildParameter, .rebuildParameterWithState:
      guard args.count == (callable == .rebuildParameter ? 3 : 4), case .tensor = args[0] else {
        throw fail("_rebuild_parameter with arguments other than (tensor, requires_grad, hooks)")
      }
      return args[0]
    case .storageType(let dtype):
      throw fail("the storage type \(dtype.rawValue) is called; storages come only from persistent ids")
    }
  }

  /// The pickle name of an opcode outside the allowed set, for the error.
  static func opcodeName(_ op: UInt8) -> String {
    let names: [UInt8: String] = [
      0x69: "INST", 0x6F: "OBJ", 0x82: "EXT1", 0x83: "EXT2", 0x84: "EXT4", 0x50: "PERSID", 0x92: "NEWOBJ_EX",
      0x49: "INT", 0x4C: "LONG", 0x8B: "LONG4", 0x46: "FLOAT", 0x53: "STRING", 0x56: "UNICODE", 0x67: "GET",
      0x70: "PUT", 0x8F: "EMPTY_SET", 0x90: "ADDITEMS", 0x91: "FROZENSET", 0x96: "BYTEARRAY8",
      0x97: "NEXT_BUFFER", 0x98: "READONLY_BUFFER",
    ]
    let hex = "0x" + String(op, radix: 16, uppercase: true)
    return names[op].map { "\($0) (\(hex))" } ?? "\(hex) (unknown)"
  }
}
