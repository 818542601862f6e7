import Foundation

@testable import MorphImaging

/// Image files as Morph reads them: the bytes written to a file (libvips sniffs content; inputs
/// that start like a JPEG are named `.jpg`, for the loader's JPEG fast path), then
///  - `ImageLoader` under a 4-megapixel limit and a 64 px crop, as every recipe's first stage;
///  - for JPEGs, the training input's direct path (`DirectJPEG`: Morph's own Exif orientation
///    parser and the libjpeg-turbo decode-and-warp into a 64 × 64 tensor slice).
/// Only the photo formats' libvips loaders are on (`cvips_init`).
enum ImageFuzz {
  static let folder: URL = {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("morph-fuzz-image-\(getpid())")
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }()

  static var slice = [Float](repeating: 0, count: 3 * 64 * 64)

  static func run(_ bytes: [UInt8]) {
    let jpeg = bytes.starts(with: [0xFF, 0xD8])
    let url = folder.appendingPathComponent(jpeg ? "input.jpg" : "input.img")
    do { try Data(bytes).write(to: url) } catch { fatalError("cannot write the fuzz input to \(url.path): \(error)") }
    expectOnly(ImagingError.self) {
      let image = try ImageLoader(ImageLoadOptions(maxPixels: 4_000_000)).load(url)
      _ = try Align.aligned(image, mode: .centreCrop, size: 64, file: url)
    }
    guard jpeg, let direct = DirectJPEG.open(url), direct.width * direct.height <= 4_000_000 else { return }
    let scale = 64 / Double(max(direct.width, direct.height))
    _ = slice.withUnsafeMutableBufferPointer {
      direct.decodeAndWarp(
        shrink: 1, failOnTruncation: true, by: AffineTransform(a: scale, b: 0, c: 0, d: scale, tx: 0, ty: 0),
        into: $0, width: 64, height: 64, levels: (1, 0), border: .edge, normalisation: .imageNet)
    }
  }
}
