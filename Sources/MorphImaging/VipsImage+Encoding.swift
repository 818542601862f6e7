import CVips
import Foundation

extension VipsImage {
  /// The image encoded in memory as `format` ("png", "jpg" or "webp"), with libvips' default
  /// settings: the bytes `save(to:)` writes to a file of that suffix.
  public func encoded(as format: String) throws -> Data {
    guard ["png", "jpg", "jpeg", "webp"].contains(format.lowercased()) else {
      throw ImagingError.invalidArgument("images are encoded as png, jpg or webp, not \(format)")
    }
    try Vips.ensureInitialised()
    var buffer: UnsafeMutableRawPointer?
    var length = 0
    guard cvips_save_buffer(pointer, "." + format.lowercased(), &buffer, &length) == 0, let buffer else {
      throw ImagingError.vips("encode as \(format): \(Vips.takeError())")
    }
    defer { g_free(buffer) }
    return Data(bytes: buffer, count: length)
  }
}
