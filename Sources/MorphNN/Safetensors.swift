import Foundation
import MorphTensor

/// Errors reading or writing safetensors files; each names the file and, where it applies,
/// the key.
public enum SafetensorsError: Error, CustomStringConvertible, Equatable {
  case unreadable(file: String, reason: String)
  case truncated(file: String, expected: Int, found: Int)
  case badHeader(file: String, reason: String)
  case unsupportedDType(file: String, key: String, dtype: String)
  case missingKey(file: String, key: String)
  case shapeMismatch(file: String, key: String, expected: [Int], found: [Int])

  public var description: String {
    switch self {
    case .unreadable(let f, let r): return "\(f): cannot read: \(r)"
    case .truncated(let f, let e, let n): return "\(f): truncated safetensors file: needs \(e) bytes, has \(n)"
    case .badHeader(let f, let r): return "\(f): bad safetensors header: \(r)"
    case .unsupportedDType(let f, let k, let d): return "\(f): tensor '\(k)' has unsupported dtype \(d)"
    case .missingKey(let f, let k): return "\(f): no tensor named '\(k)'"
    case .shapeMismatch(let f, let k, let e, let s): return "\(f): tensor '\(k)' has shape \(s), expected \(e)"
    }
  }
}

/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON
/// header `{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}`, then
/// the raw little-endian data. Reads F32, F16 and BF16; writes F32 or F16.
public enum Safetensors {
  /// Storage type used when writing.
  public enum DType: String, Sendable { case f32 = "F32", f16 = "F16" }

  /// The tensors of a file, with its string metadata.
  public struct Contents {
    public var tensors: [String: Tensor]
    public var metadata: [String: String]

    /// The tensor `key`, checked against `shape` when given.
    public func tensor(_ key: String, shape: [Int]? = nil, file: String = "") throws -> Tensor {
      guard let t = tensors[key] else { throw SafetensorsError.missingKey(file: file, key: key) }
      if let shape, shape != t.shape { throw SafetensorsError.shapeMismatch(file: file, key: key, expected: shape, found: t.shape) }
      return t
    }
  }

  /// Reads every tensor of the file at `url` as Float32.
  public static func read(_ url: URL) throws -> Contents {
    let name = url.path
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw SafetensorsError.unreadable(file: name, reason: error.localizedDescription) }
    return try decode(data, file: name)
  }

  /// Parses safetensors bytes; `file` names the source in errors.
  public static func decode(_ data: Data, file: String) throws -> Contents {
    let bytes = [UInt8](data)
    guard bytes.count >= 8 else { throw SafetensorsError.truncated(file: file, expected: 8, found: bytes.count) }
    var n: UInt64 = 0
    for i in 0..<8 { n |= UInt64(bytes[i]) << (8 * UInt64(i)) }
    guard n <= UInt64(Int.max - 8) else { throw SafetensorsError.badHeader(file: file, reason: "header length \(n) is absurd") }
    let headerEnd = 8 + Int(n)
    guard bytes.count >= headerEnd else { throw SafetensorsError.truncated(file: file, expected: headerEnd, found: bytes.count) }
    let json: Any
    do { json = try JSONSerialization.jsonObject(with: Data(bytes[8..<headerEnd])) } catch {
      throw SafetensorsError.badHeader(file: file, reason: "header is not JSON")
    }
    guard let header = json as? [String: Any] else { throw SafetensorsError.badHeader(file: file, reason: "header is not a JSON object") }
    var contents = Contents(tensors: [:], metadata: [:])
    let dataLength = bytes.count - headerEnd
    for (key, value) in header {
      if key == "__metadata__" {
        guard let meta = value as? [String: String] else {
          throw SafetensorsError.badHeader(file: file, reason: "__metadata__ must map strings to strings")
        }
        contents.metadata = meta
        continue
      }
      guard let entry = value as? [String: Any], let dtype = entry["dtype"] as? String,
        let shape = (entry["shape"] as? [NSNumber])?.map({ $0.intValue }),
        let offsets = (entry["data_offsets"] as? [NSNumber])?.map({ $0.intValue }), offsets.count == 2
      else { throw SafetensorsError.badHeader(file: file, reason: "entry '\(key)' lacks dtype, shape or data_offsets") }
      guard shape.allSatisfy({ $0 >= 0 }) else { throw SafetensorsError.badHeader(file: file, reason: "entry '\(key)' has shape \(shape)") }
      let width: Int
      switch dtype {
      case "F32": width = 4
      case "F16", "BF16": width = 2
      default: throw SafetensorsError.unsupportedDType(file: file, key: key, dtype: dtype)
      }
      // The shape is read from the file: an overflowing product would trap. Past this, the
      // offsets must span exactly count × width bytes inside the data, checked before `count`
      // sizes anything.
      var count = 1
      for extent in shape {
        let (product, overflow) = count.multipliedReportingOverflow(by: extent)
        guard !overflow, product <= Int.max / width else {
          throw SafetensorsError.badHeader(file: file, reason: "entry '\(key)' has shape \(shape), too many values to count")
        }
        count = product
      }
      let (begin, end) = (offsets[0], offsets[1])
      guard begin >= 0, end >= begin, end - begin == count * width else {
        throw SafetensorsError.badHeader(file: file, reason: "entry '\(key)' offsets \(offsets) do not hold \(count) \(dtype) values")
      }
      guard end <= dataLength else { throw SafetensorsError.truncated(file: file, expected: headerEnd + end, found: bytes.count) }
      let start = headerEnd + begin
      var scalars = [Float](repeating: 0, count: count)
      bytes.withUnsafeBufferPointer { raw in
        for i in 0..<count {
          let o = start + i * width
          switch dtype {
          case "F32":
            let bits = UInt32(raw[o]) | UInt32(raw[o + 1]) << 8 | UInt32(raw[o + 2]) << 16 | UInt32(raw[o + 3]) << 24
            scalars[i] = Float(bitPattern: bits)
          case "F16":
            scalars[i] = Float(Float16(bitPattern: UInt16(raw[o]) | UInt16(raw[o + 1]) << 8))
          default:  // BF16: the top half of a Float32
            scalars[i] = Float(bitPattern: (UInt32(raw[o]) | UInt32(raw[o + 1]) << 8) << 16)
          }
        }
      }
      contents.tensors[key] = Tensor(shape: shape, scalars: scalars)
    }
    return contents
  }

  /// Encodes `tensors` (keys sorted, data 8-byte aligned as the reference writer does).
  public static func encode(_ tensors: [String: Tensor], dtype: DType = .f32, metadata: [String: String] = [:]) throws -> Data {
    let width = dtype == .f32 ? 4 : 2
    var header: [String: Any] = [:]
    if !metadata.isEmpty { header["__metadata__"] = metadata }
    var offset = 0
    let keys = tensors.keys.sorted()
    for key in keys {
      guard let t = tensors[key] else { continue }
      header[key] = ["dtype": dtype.rawValue, "shape": t.shape, "data_offsets": [offset, offset + t.count * width]]
      offset += t.count * width
    }
    var json = try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])
    while json.count % 8 != 0 { json.append(0x20) }  // pad with spaces
    var out = Data(capacity: 8 + json.count + offset)
    var n = UInt64(json.count).littleEndian
    withUnsafeBytes(of: &n) { out.append(contentsOf: $0) }
    out.append(json)
    for key in keys {
      guard let t = tensors[key] else { continue }
      switch dtype {
      case .f32:
        t.scalars.withUnsafeBytes { out.append(contentsOf: $0) }  // x86/ARM are little-endian
      case .f16:
        let half = t.scalars.map { Float16($0).bitPattern.littleEndian }
        half.withUnsafeBytes { out.append(contentsOf: $0) }
      }
    }
    return out
  }

  /// Writes `tensors` to `url` atomically: a temporary file in the same folder, then rename,
  /// so a crash never leaves a half-written checkpoint.
  public static func write(_ tensors: [String: Tensor], to url: URL, dtype: DType = .f32, metadata: [String: String] = [:]) throws {
    let data = try encode(tensors, dtype: dtype, metadata: metadata)
    let temp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp")
    do {
      try data.write(to: temp)
      // rename(2) replaces the destination atomically.
      guard rename(temp.path, url.path) == 0 else {
        throw SafetensorsError.unreadable(file: url.path, reason: "cannot rename \(temp.lastPathComponent) into place")
      }
    } catch {
      try? FileManager.default.removeItem(at: temp)
      throw SafetensorsError.unreadable(file: url.path, reason: "cannot write: \(error.localizedDescription)")
    }
  }
}

extension Module {
  /// Saves parameters and buffers to a safetensors checkpoint (atomically).
  public func save(to url: URL, dtype: Safetensors.DType = .f32, metadata: [String: String] = [:]) throws {
    try Safetensors.write(stateDict(), to: url, dtype: dtype, metadata: metadata)
  }

  /// Loads parameters and buffers from a safetensors checkpoint (see `load(stateDict:strict:)`).
  public func load(from url: URL, strict: Bool = true) throws {
    let file = url.path
    do {
      try load(stateDict: Safetensors.read(url).tensors, strict: strict)
    } catch NNError.missingKey(let key) {
      throw SafetensorsError.missingKey(file: file, key: key)
    } catch NNError.shapeMismatch(let key, let expected, let found) {
      throw SafetensorsError.shapeMismatch(file: file, key: key, expected: expected, found: found)
    }
  }
}
