import Foundation
import MorphImaging

/// Image files as `load` reads them: the bytes written to a file (libvips sniffs content, so the
/// name matters only for the JPEG fast path and its own EXIF reader: inputs that start like a
/// JPEG are named `.jpg`), loaded under a 4-megapixel limit, then cropped to 64 px as every
/// recipe's first stage does. Only the photo formats' loaders are on (`cvips_init`).
enum ImageFuzz {
  static let folder: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("morph-fuzz-image-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()

  static func run(_ bytes: [UInt8]) {
    let url = folder.appendingPathComponent(bytes.starts(with: [0xFF, 0xD8]) ? "input.jpg" : "input.img")
    do { try Data(bytes).write(to: url) } catch { fatalError("cannot write the fuzz input to \(url.path): \(error)") }
    expectOnly(ImagingError.self) {
      let image = try ImageLoader(ImageLoadOptions(maxPixels: 4_000_000)).load(url)
      _ = try Align.aligned(image, mode: .centreCrop, size: 64, file: url)
    }
  }
}
