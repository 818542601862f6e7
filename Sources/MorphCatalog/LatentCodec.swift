import Foundation

/// How a latent tensor is stored.
public enum LatentDType: String, Codable, Sendable, CaseIterable {
  case float16, float32

  public var byteWidth: Int { self == .float16 ? 2 : 4 }
}

/// Little-endian blob encoding of Float arrays (the catalog's tensor format).
enum LatentCodec {
  static func encode(_ values: [Float], as dtype: LatentDType) -> Data {
    switch dtype {
    case .float32:
      return values.withUnsafeBufferPointer { buffer in
        var data = Data(count: buffer.count * 4)
        data.withUnsafeMutableBytes { raw in
          for (i, v) in buffer.enumerated() {
            raw.storeBytes(of: v.bitPattern.littleEndian, toByteOffset: i * 4, as: UInt32.self)
          }
        }
        return data
      }
    case .float16:
      var data = Data(count: values.count * 2)
      data.withUnsafeMutableBytes { raw in
        for (i, v) in values.enumerated() {
          raw.storeBytes(of: Float16(v).bitPattern.littleEndian, toByteOffset: i * 2, as: UInt16.self)
        }
      }
      return data
    }
  }

  /// Decodes `count` values; throws when the blob has the wrong size.
  static func decode(_ data: Data, as dtype: LatentDType, count: Int) throws -> [Float] {
    guard data.count == count * dtype.byteWidth else {
      throw CatalogError.invalidArgument("latent blob has \(data.count) bytes, expected \(count * dtype.byteWidth)")
    }
    var out = [Float](repeating: 0, count: count)
    data.withUnsafeBytes { raw in
      out.withUnsafeMutableBufferPointer { dst in
        switch dtype {
        case .float32:
          for i in 0..<count {
            dst[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)))
          }
        case .float16:
          for i in 0..<count {
            dst[i] = Float(
              Float16(bitPattern: UInt16(littleEndian: raw.loadUnaligned(fromByteOffset: i * 2, as: UInt16.self))))
          }
        }
      }
    }
    return out
  }
}
