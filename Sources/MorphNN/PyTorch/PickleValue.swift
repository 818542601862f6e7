import Foundation

/// The element type of a PyTorch storage, named as torch names it (`torch.float32` is
/// "float32"); every one converts to Float32 when read.
public enum TorchDType: String, Sendable, CaseIterable {
  case float32, float16, bfloat16, float64, int64, int32, int16, int8, uint8, bool

  /// Bytes per element.
  public var elementSize: Int {
    switch self {
    case .float64, .int64: return 8
    case .float32, .int32: return 4
    case .float16, .bfloat16, .int16: return 2
    case .int8, .uint8, .bool: return 1
    }
  }

  /// The dtype of `torch.<name>` as pickled in a persistent id (`torch.FloatStorage`).
  init?(storageType name: String) {
    switch name {
    case "FloatStorage": self = .float32
    case "HalfStorage": self = .float16
    case "BFloat16Storage": self = .bfloat16
    case "DoubleStorage": self = .float64
    case "LongStorage": self = .int64
    case "IntStorage": self = .int32
    case "ShortStorage": self = .int16
    case "CharStorage": self = .int8
    case "ByteStorage": self = .uint8
    case "BoolStorage": self = .bool
    default: return nil
    }
  }
}

/// The few Python callables and classes a state dict's pickle may name. Each is interpreted by
/// the unpickler (it builds the value the callable would return); none is ever called.
enum TorchGlobal: Equatable {
  case orderedDict
  case rebuildTensor  // torch._utils._rebuild_tensor(storage, offset, size, stride)
  case rebuildTensorV2  // … plus requires_grad, backward_hooks[, metadata]
  case rebuildParameter  // (data, requires_grad, backward_hooks)
  case rebuildParameterWithState  // (data, requires_grad, backward_hooks, state)
  case storageType(TorchDType)

  /// The allow-list: a global not resolved here is refused where the pickle names it.
  init?(module: String, name: String) {
    switch (module, name) {
    case ("collections", "OrderedDict"): self = .orderedDict
    case ("torch._utils", "_rebuild_tensor"): self = .rebuildTensor
    case ("torch._utils", "_rebuild_tensor_v2"): self = .rebuildTensorV2
    case ("torch._utils", "_rebuild_parameter"): self = .rebuildParameter
    case ("torch._utils", "_rebuild_parameter_with_state"): self = .rebuildParameterWithState
    // Old releases pickled a GPU tensor's storage as torch.cuda.FloatStorage; the bytes are
    // the same and are read onto the CPU.
    case ("torch", _), ("torch.cuda", _):
      guard let dtype = TorchDType(storageType: name) else { return nil }
      self = .storageType(dtype)
    default: return nil
    }
  }
}

/// A storage named by a persistent id: `key` finds its bytes (`data/<key>` in a zip, the
/// key's place in the legacy stream), `count` is its declared element count, and a legacy
/// storage view narrows it to `viewCount` elements from `viewOffset`.
struct StorageRef: Equatable {
  let key: String
  let dtype: TorchDType
  let count: Int
  let viewOffset: Int
  let viewCount: Int
}

/// A tensor as `_rebuild_tensor_v2` describes it: a strided view of a storage.
struct TensorRef {
  let storage: StorageRef
  let offset: Int
  let sizes: [Int]
  let strides: [Int]
}

/// A Python list as the pickle builds it (a reference: `APPEND` after `BINGET` must reach the
/// same list).
final class PickleList {
  var items: [PickleValue] = []
}

/// A Python dict (or OrderedDict) keeping insertion order; a repeated key replaces the value
/// in place, as in Python.
final class PickleDict {
  private(set) var keys: [String] = []
  private(set) var values: [PickleValue] = []
  private var index: [String: Int] = [:]

  func set(_ key: String, _ value: PickleValue) {
    if let i = index[key] {
      values[i] = value
    } else {
      index[key] = keys.count
      keys.append(key)
      values.append(value)
    }
  }
}

/// A value the restricted unpickler builds: Python's plain data, plus the torch objects it
/// interprets (storages, tensors) and the allow-listed globals themselves.
enum PickleValue {
  case none
  case bool(Bool)
  case int(Int)
  /// An integer wider than 64 bits (the legacy magic number), as little-endian two's complement.
  case bigInt([UInt8])
  case float(Double)
  case string(String)
  case bytes(Int)
  case tuple([PickleValue])
  case list(PickleList)
  case dict(PickleDict)
  case global(TorchGlobal)
  case storage(StorageRef)
  case tensor(TensorRef)

  /// A short name of the value's kind, for errors.
  var kind: String {
    switch self {
    case .none: return "None"
    case .bool: return "bool"
    case .int, .bigInt: return "int"
    case .float: return "float"
    case .string: return "str"
    case .bytes: return "bytes"
    case .tuple: return "tuple"
    case .list: return "list"
    case .dict: return "dict"
    case .global: return "global"
    case .storage: return "storage"
    case .tensor: return "tensor"
    }
  }
}
