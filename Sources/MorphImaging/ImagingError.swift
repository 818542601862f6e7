import Foundation

/// Errors from image loading, processing and saving. Errors about a file name it.
public enum ImagingError: Error, CustomStringConvertible, Equatable {
  /// A libvips operation failed; the message includes libvips' own text.
  case vips(String)
  /// A file could not be read as an image (empty, truncated, not an image, unreadable).
  case unreadable(file: String, reason: String)
  /// An image header announces more pixels than the loader's limit (decompression-bomb guard).
  case tooManyPixels(file: String, width: Int, height: Int, limit: Int)
  /// A caller passed an argument the operation cannot use.
  case invalidArgument(String)
  /// A landmark file or record is malformed; `line` is 1-based when known.
  case landmarks(file: String, line: Int?, reason: String)
  /// An item loaded but could not be processed (e.g. too small to crop, no landmarks).
  case processing(file: String, reason: String)
  /// An output file could not be written (folder missing or read-only, disk full, …).
  case unwritable(file: String, reason: String)

  public var description: String {
    switch self {
    case .vips(let message): return message
    case .unreadable(let file, let reason): return "\(file): \(reason)"
    case .tooManyPixels(let file, let width, let height, let limit):
      return "\(file): image is \(width)×\(height) = \(width * height) pixels, over the limit of "
        + "\(limit) pixels (possible decompression bomb)"
    case .invalidArgument(let message): return message
    case .landmarks(let file, let line, let reason):
      return line.map { "\(file):\($0): \(reason)" } ?? "\(file): \(reason)"
    case .processing(let file, let reason): return "\(file): \(reason)"
    case .unwritable(let file, let reason): return "cannot write \(file): \(reason)"
    }
  }
}
