import CVips
import Foundation

/// An owned reference to a libvips image; the reference is released when this object dies.
///
/// libvips images are lazy: operations build a pipeline and pixels are computed on demand
/// when the image is written or copied to memory.
public final class VipsImage: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<CVips.VipsImage>

  /// Takes ownership of a reference returned by a libvips call.
  init(owning pointer: UnsafeMutablePointer<CVips.VipsImage>) { self.pointer = pointer }

  deinit { g_object_unref(pointer) }

  /// Width in pixels.
  public var width: Int { Int(vips_image_get_width(pointer)) }
  /// Height in pixels.
  public var height: Int { Int(vips_image_get_height(pointer)) }
  /// Number of bands (3 for sRGB).
  public var bands: Int { Int(vips_image_get_bands(pointer)) }

  /// Runs a libvips call that produces a new image, turning failure into an `ImagingError`.
  static func make(
    _ what: @autoclosure () -> String,
    _ body: (UnsafeMutablePointer<UnsafeMutablePointer<CVips.VipsImage>?>) -> Int32
  ) throws -> VipsImage {
    try Vips.ensureInitialised()
    var out: UnsafeMutablePointer<CVips.VipsImage>?
    guard body(&out) == 0, let image = out else {
      throw ImagingError.vips("\(what()): \(Vips.takeError())")
    }
    return VipsImage(owning: image)
  }

  /// Wraps interleaved 8-bit RGB (or grey, bands = 1) pixels, row-major, as an image (copied).
  public convenience init(pixels: [UInt8], width: Int, height: Int, bands: Int = 3) throws {
    guard width > 0, height > 0, pixels.count == width * height * bands else {
      throw ImagingError.vips(
        "pixel buffer of \(pixels.count) bytes does not match \(width)×\(height)×\(bands)")
    }
    let image = try pixels.withUnsafeBytes { raw in
      try VipsImage.make("wrap \(width)×\(height) pixels") {
        cvips_from_memory_u8(raw.baseAddress, raw.count, Int32(width), Int32(height), Int32(bands), $0)
      }
    }
    g_object_ref(image.pointer)
    self.init(owning: image.pointer)
  }

  /// Loads an image file (JPEG, PNG, WebP, TIFF, GIF …); truncated files are errors.
  public static func load(_ url: URL) throws -> VipsImage {
    try make("\(url.path)") { cvips_load_file(url.path, 0, 1, $0) }
  }

  /// Renders an SVG document Morph wrote itself (a chart). SVG files from outside are never
  /// opened: their loader is switched off (`ImageLoader.openedFormats`).
  public static func renderedSVG(_ svg: String) throws -> VipsImage {
    var text = svg
    return try text.withUTF8 { bytes in
      try make("render SVG") { out in
        bytes.withMemoryRebound(to: CChar.self) { cvips_render_svg($0.baseAddress, $0.count, out) }
      }
    }
  }

  /// Images up to this many pixels are computed in the calling thread (see `cvips_decode`).
  static let smallImagePixels = 4_000_000

  /// Computes the pixels and returns them interleaved, row-major (`height × width × bands`
  /// samples of the image's format; bytes for 8-bit images).
  public func pixels() throws -> [UInt8] {
    let sampleSize = isEightBit ? 1 : Int(vips_format_sizeof(vips_image_get_format(pointer)))
    let count = width * height * bands * sampleSize
    var result = [UInt8](repeating: 0, count: count)
    let rc = result.withUnsafeMutableBytes { raw in
      cvips_read_pixels(pointer, Self.smallImagePixels, raw.baseAddress, raw.count)
    }
    guard rc == 0 else { throw ImagingError.vips("read pixels: \(Vips.takeError())") }
    return result
  }

  /// Writes the image; the format follows the file suffix (`.png`, `.jpg`, `.webp`, `.tif`).
  /// `quality` (1–100) applies to JPEG and WebP. The file is written atomically and never
  /// through a symlink already at `url` (see `AtomicFile`).
  public func save(to url: URL, quality: Int? = nil) throws {
    try AtomicFile.write(encoded(as: url.pathExtension, quality: quality, for: url), to: url)
  }

  /// The image encoded in the format of `suffix` (`png`, `jpg`, …); `url` names it in errors.
  public func encoded(as suffix: String, quality: Int? = nil, for url: URL? = nil) throws -> Data {
    try Vips.ensureInitialised()
    var buffer: UnsafeMutableRawPointer?
    var length = 0
    guard cvips_save_buffer(pointer, "." + suffix, Int32(quality ?? 0), &buffer, &length) == 0, let buffer else {
      throw ImagingError.vips("save \(url?.path ?? "." + suffix): \(Vips.takeError())")
    }
    defer { g_free(buffer) }
    return Data(bytes: buffer, count: length)
  }
}
