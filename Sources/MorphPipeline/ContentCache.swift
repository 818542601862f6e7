import Foundation
import MorphCatalog
import MorphImaging

/// Stage results stored by cache key under `.morph/cache/ab/abcdef….{png,f32,json}`.
///
/// A file appears only once it is complete (written beside it, then renamed), so a run killed
/// at any moment leaves either a whole result or none: a later run redoes exactly the items
/// whose result is missing.
public struct ContentCache: Sendable {
  public let root: URL

  public init(root: URL) { self.root = root }

  /// The cache key of one stage's result from the given inputs.
  ///
  /// Equal keys mean equal outputs: the key covers the stage name and version, its canonical
  /// parameters, its model weights hash, and the keys (content hashes) of every input.
  public static func key(stage: String, version: Int, parameters: String, modelHash: String, inputs: [String]) -> String {
    var hasher = SHA256()
    hasher.update("morph-cache-v1\nstage=\(stage)@\(version)\nmodel=\(modelHash)\n\(parameters)\ninputs:\n")
    for input in inputs { hasher.update(input + "\n") }
    return hex(hasher.finalize())
  }

  /// Lower-case hex of `bytes` (String(format:) per byte would dominate the per-item cost).
  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8](repeating: 0, count: bytes.count * 2)
    for (i, byte) in bytes.enumerated() {
      out[2 * i] = digits[Int(byte >> 4)]
      out[2 * i + 1] = digits[Int(byte & 15)]
    }
    return String(decoding: out, as: UTF8.self)
  }

  static let suffixes = ["png", "f32", "json"]

  func url(_ key: String, suffix: String) -> URL {
    root.appendingPathComponent(String(key.prefix(2))).appendingPathComponent("\(key).\(suffix)")
  }

  /// The stored result's file, if any.
  public func file(for key: String) -> URL? {
    for suffix in Self.suffixes {
      let u = url(key, suffix: suffix)
      if FileManager.default.fileExists(atPath: u.path) { return u }
    }
    return nil
  }

  public func contains(_ key: String) -> Bool { file(for: key) != nil }

  /// Stores a payload under `key` (atomically).
  public func store(_ payload: Payload, key: String) throws {
    let suffix: String
    switch payload {
    case .image: suffix = "png"
    case .tensor: suffix = "f32"
    case .record: suffix = "json"
    }
    let final = url(key, suffix: suffix)
    try FileManager.default.createDirectory(at: final.deletingLastPathComponent(), withIntermediateDirectories: true)
    do {
      // AtomicFile: a reader never sees half an entry, and a killed run leaves none.
      switch payload {
      case .image(let image): try image.save(to: final)
      case .tensor(let shape, let data):
        var bytes = Data()
        let header = shape.map(String.init).joined(separator: ",") + "\n"
        bytes.append(Data(header.utf8))
        data.withUnsafeBufferPointer { bytes.append(UnsafeBufferPointer(start: $0.baseAddress, count: $0.count)) }
        try AtomicFile.write(bytes, to: final)
      case .record(let fields):
        try AtomicFile.write(JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys]), to: final)
      }
    } catch {
      throw PipelineError.stage(stage: "cache", message: "cannot store \(final.path): \(error)")
    }
  }

  /// Loads the payload stored under `key`; nil when there is none or it is unreadable.
  public func load(_ key: String) -> Payload? {
    guard let file = file(for: key) else { return nil }
    switch file.pathExtension {
    case "png": return (try? VipsImage.load(file)).map(Payload.image)
    case "f32":
      guard let data = try? Data(contentsOf: file), let newline = data.firstIndex(of: 10) else { return nil }
      let shape = String(decoding: data[..<newline], as: UTF8.self).split(separator: ",").compactMap { Int($0) }
      let body = data[(newline + 1)...]
      let count = body.count / MemoryLayout<Float>.size
      // The shape line is read from disk: a product that overflows or disagrees with the body
      // makes the entry unusable (a miss), never a trap.
      let product = shape.reduce(Optional(1)) { acc, extent in
        guard let acc, extent >= 0 else { return nil }
        let (p, overflow) = acc.multipliedReportingOverflow(by: extent)
        return overflow ? nil : p
      }
      guard product == count else { return nil }
      var values = [Float](repeating: 0, count: count)
      values.withUnsafeMutableBytes { _ = body.copyBytes(to: $0) }
      return .tensor(shape: shape, data: values)
    default:
      guard let data = try? Data(contentsOf: file),
        let fields = (try? JSONSerialization.jsonObject(with: data)) as? [String: String]
      else { return nil }
      return .record(fields)
    }
  }
}
