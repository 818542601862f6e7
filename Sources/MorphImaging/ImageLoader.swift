import CVips
import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Options for `ImageLoader`.
public struct ImageLoadOptions: Sendable, Equatable {
  /// Largest width × height accepted; larger headers are refused before any pixel is decoded.
  public var maxPixels: Int
  /// Apply the EXIF orientation tag.
  public var autorotate: Bool
  /// Treat truncated or corrupt data as an error (otherwise libvips fills in grey and goes on).
  public var failOnTruncation: Bool
  /// Decode into memory inside `load`, so decoding errors are reported there, naming the
  /// file, instead of later when pixels are first needed.
  public var decodeEagerly: Bool

  /// 64 megapixels: an 8000 × 8000 photo passes, a 20000 × 20000 bomb does not.
  public static let defaultMaxPixels = 64_000_000

  public init(
    maxPixels: Int = ImageLoadOptions.defaultMaxPixels, autorotate: Bool = true,
    failOnTruncation: Bool = true, decodeEagerly: Bool = true
  ) {
    self.maxPixels = maxPixels
    self.autorotate = autorotate
    self.failOnTruncation = failOnTruncation
    self.decodeEagerly = decodeEagerly
  }
}

/// Loads image files (JPEG, PNG, WebP, TIFF, GIF, HEIC/AVIF, PPM: `openedFormats`) as 8-bit sRGB
/// with 3 bands, upright, refusing decompression bombs. Every error names the file.
public struct ImageLoader: Sendable {
  public var options: ImageLoadOptions

  public init(_ options: ImageLoadOptions = ImageLoadOptions()) { self.options = options }

  /// Loads one file; throws `ImagingError.unreadable` or `.tooManyPixels` naming it.
  public func load(_ url: URL) throws -> VipsImage {
    let opened = try open(url, sequential: options.decodeEagerly)
    var image = opened.image
    do {
      if options.decodeEagerly { image = try image.materialised() }
      // Rotation reads pixels out of order, so it runs on decoded pixels.
      if options.autorotate, opened.orientation > 1 {
        image = try image.autorotated()
        if options.decodeEagerly { image = try image.materialised() }
      }
    } catch let error as ImagingError {
      throw ImagingError.unreadable(file: url.path, reason: Self.clean("\(error)", url.path))
    }
    return image
  }

  /// Opens a file without decoding it: checks it exists and is not empty, reads the header,
  /// refuses bombs, and converts (lazily) to 8-bit sRGB. `orientation` is the EXIF tag, not yet
  /// applied. With `sequential`, pixels can be read once, top to bottom. `shrink` (2, 4, 8) asks
  /// a JPEG to decode at reduced size in the DCT domain; the result says which shrink was
  /// applied (1 for other formats): pixel (i, j) then covers original pixels from shrink·(i, j).
  func open(_ url: URL, sequential: Bool, shrink: Int = 1) throws
    -> (image: VipsImage, orientation: Int, shrink: Int)
  {
    try Vips.ensureInitialised()
    let path = url.path
    var info = stat()
    guard stat(path, &info) == 0 else {
      throw ImagingError.unreadable(file: path, reason: "cannot open: no such file or not readable")
    }
    if (info.st_mode & S_IFMT) == S_IFDIR {
      throw ImagingError.unreadable(file: path, reason: "is a directory, not an image file")
    }
    if info.st_size == 0 {
      throw ImagingError.unreadable(file: path, reason: "file is empty (0 bytes)")
    }
    // Opening reads only the header; pixels are decoded later, on demand. Decoding once,
    // top to bottom, allows sequential access (no intermediate whole-image buffer).
    let access: Int32 = sequential ? 1 : 0
    let failOn: Int32 = options.failOnTruncation ? 1 : 0
    var raw: UnsafeMutablePointer<CVips.VipsImage>?
    var applied = 1
    let suffix = (path as NSString).pathExtension.lowercased()
    if suffix == "jpg" || suffix == "jpeg" {
      // Format sniffing costs more than decoding a small JPEG, so trust the suffix first.
      // Small files are read whole: fewer system calls than the loader's own reads.
      let rc: Int32
      if info.st_size <= Self.bufferedFileBytes {
        applied = [2, 4, 8].contains(shrink) ? shrink : 1
        rc = cvips_load_jpeg_shrunk(path, access, failOn, Int32(applied), &raw)
      } else {
        rc = cvips_load_jpeg(path, access, failOn, &raw)
      }
      if rc != 0 {
        _ = Vips.takeError()
        applied = 1
      }
    }
    if raw == nil {
      guard cvips_load_file(path, access, failOn, &raw) == 0, raw != nil else {
        throw ImagingError.unreadable(file: path, reason: Self.clean(Vips.takeError(), path))
      }
    }
    guard let opened = raw else { throw ImagingError.unreadable(file: path, reason: "cannot open") }
    let image = VipsImage(owning: opened)
    try checkPixelLimit(width: image.width * applied, height: image.height * applied, file: path)
    let orientation = options.autorotate ? Int(cvips_orientation(image.pointer)) : 1
    do {
      return (try image.srgb8(), orientation, applied)
    } catch let error as ImagingError {
      throw ImagingError.unreadable(file: path, reason: Self.clean("\(error)", path))
    }
  }

  /// Refuses an image whose header announces more than `options.maxPixels` pixels (a
  /// decompression bomb) before any pixel is decoded.
  func checkPixelLimit(width: Int, height: Int, file: String) throws {
    let (pixels, overflow) = width.multipliedReportingOverflow(by: height)
    if overflow || pixels > options.maxPixels {
      throw ImagingError.tooManyPixels(file: file, width: width, height: height, limit: options.maxPixels)
    }
  }

  /// JPEG files up to this size are read into memory in one go before decoding.
  static let bufferedFileBytes = 8 << 20

  /// Loads every file, one result per file in order; one bad file does not stop the others.
  /// Runs up to `parallelism` loads at once.
  public func loadAll(_ urls: [URL], parallelism: Int = 1) -> [Result<VipsImage, ImagingError>] {
    let results = ResultSlots<VipsImage>(count: urls.count)
    let workers = max(1, min(parallelism, urls.count))
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      for index in stride(from: worker, to: urls.count, by: workers) {
        results.set(index, Result { try load(urls[index]) }.mapError(ImagingError.wrap))
      }
    }
    return results.values
  }

  /// libvips repeats the path in its messages; drop the repetition (we prefix it ourselves).
  static func clean(_ message: String, _ path: String) -> String {
    let flat = message.replacingOccurrences(of: "\n", with: "; ")
      .replacingOccurrences(of: "\"\(path)\" ", with: "").replacingOccurrences(of: path + ": ", with: "")
    if let loader = blockedLoader(in: flat) {
      return "holds \(formatName(ofLoader: loader)) data, which Morph does not open: it reads \(openedFormats) "
        + "images (libvips' other loaders are switched off, as image files come from outside)"
    }
    if flat.contains("is not a known file format") {
      return "not an image, or in a format this libvips cannot read (\(flat))"
    }
    if flat.contains("Premature end") || flat.lowercased().contains("truncated") {
      return "truncated or corrupt image data (\(flat))"
    }
    return flat
  }
}

extension ImageLoader {
  /// The formats whose libvips loaders Morph leaves on (`cvips_init` blocks the rest).
  public static let openedFormats = "JPEG, PNG, WebP, TIFF, GIF, HEIC/AVIF and PPM/PGM/PNM"

  /// The file suffixes of those formats: what `load` and `morph serve` list in a folder.
  public static let fileSuffixes: Set<String> = [
    "jpg", "jpeg", "png", "webp", "tif", "tiff", "gif", "heic", "heif", "avif", "ppm", "pgm", "pnm",
  ]

  /// The nickname of the loader a libvips "operation is blocked" error names (`svgload`).
  static func blockedLoader(in message: String) -> String? {
    guard let range = message.range(of: ": operation is blocked") else { return nil }
    let name = message[..<range.lowerBound].split(whereSeparator: { $0 == " " || $0 == ";" }).last.map(String.init)
    return name.flatMap { $0.contains("load") ? $0 : nil }
  }

  /// What a user calls the format a blocked loader reads: `magickload_buffer` → "ImageMagick"
  /// (a loader not named here goes by its own prefix: `matrixload` → "matrix").
  static func formatName(ofLoader loader: String) -> String {
    let base = loader.components(separatedBy: "load").first ?? loader
    let names = [
      "magick": "ImageMagick", "svg": "SVG", "pdf": "PDF", "openslide": "OpenSlide", "csv": "CSV",
      "fits": "FITS", "mat": "MATLAB", "jp2k": "JPEG 2000", "jxl": "JPEG XL", "openexr": "OpenEXR",
      "rad": "Radiance", "vips": "VIPS", "analyze": "Analyze",
    ]
    return names[base] ?? base
  }
}

extension ImagingError {
  /// Any error as an `ImagingError` (non-imaging errors become `.vips` with their text).
  static func wrap(_ error: Error) -> ImagingError {
    (error as? ImagingError) ?? .vips("\(error)")
  }
}

/// Fixed slots written from concurrent workers, each slot by exactly one worker.
final class ResultSlots<Value>: @unchecked Sendable {
  private var slots: [Result<Value, ImagingError>?]
  private let lock = NSLock()

  init(count: Int) { slots = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: Result<Value, ImagingError>) {
    lock.lock()
    slots[index] = value
    lock.unlock()
  }

  var values: [Result<Value, ImagingError>] {
    slots.map { $0 ?? .failure(.vips("item was not processed")) }
  }
}
