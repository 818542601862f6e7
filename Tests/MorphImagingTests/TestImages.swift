import Foundation
import MorphImaging
import XCTest

/// Generated test images and a scratch directory removed after each test.
enum TestImages {
  /// A fresh temporary directory.
  static func scratch() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("morph-imaging-\(UUID())")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }

  /// RGB image whose pixel (x, y) is (x·rStep, y·gStep, constant b), clamped to 255.
  static func gradient(width: Int, height: Int, rStep: Int = 1, gStep: Int = 1, blue: UInt8 = 60) throws
    -> VipsImage
  {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
      for x in 0..<width {
        let i = (y * width + x) * 3
        pixels[i] = UInt8(min(255, x * rStep))
        pixels[i + 1] = UInt8(min(255, y * gStep))
        pixels[i + 2] = blue
      }
    }
    return try VipsImage(pixels: pixels, width: width, height: height)
  }

  /// Deterministic pseudo-random RGB noise (compresses badly, so JPEGs are large).
  static func noise(width: Int, height: Int, seed: UInt32 = 1) throws -> VipsImage {
    var state = seed
    let pixels = (0..<(width * height * 3)).map { _ -> UInt8 in
      state = state &* 1_664_525 &+ 1_013_904_223
      return UInt8(truncatingIfNeeded: state >> 24)
    }
    return try VipsImage(pixels: pixels, width: width, height: height)
  }

  /// Smooth RGB waves (no detail finer than a few pixels), for comparing resamplers.
  static func waves(width: Int, height: Int) throws -> VipsImage {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
      for x in 0..<width {
        let i = (y * width + x) * 3
        pixels[i] = UInt8(128 + 100 * sin(Double(x) / 7))
        pixels[i + 1] = UInt8(128 + 100 * cos(Double(y) / 9))
        pixels[i + 2] = UInt8(128 + 60 * sin(Double(x + y) / 11))
      }
    }
    return try VipsImage(pixels: pixels, width: width, height: height)
  }

  /// A black RGB image with white (2r+1)² dots centred on `points` (rounded).
  static func dots(width: Int, height: Int, at points: [ImagePoint], radius r: Int = 1) throws -> VipsImage {
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for point in points {
      let (cx, cy) = (Int(point.x.rounded()), Int(point.y.rounded()))
      for y in (cy - r)...(cy + r) where y >= 0 && y < height {
        for x in (cx - r)...(cx + r) where x >= 0 && x < width {
          for band in 0..<3 { pixels[(y * width + x) * 3 + band] = 255 }
        }
      }
    }
    return try VipsImage(pixels: pixels, width: width, height: height)
  }

  /// Intensity-weighted centroid of the first band within `radius` of `near`.
  static func centroid(_ image: VipsImage, near: ImagePoint, radius: Int = 6) throws -> ImagePoint {
    let pixels = try image.pixels()
    var (sx, sy, sw) = (0.0, 0.0, 0.0)
    let (cx, cy) = (Int(near.x.rounded()), Int(near.y.rounded()))
    for y in max(0, cy - radius)...min(image.height - 1, cy + radius) {
      for x in max(0, cx - radius)...min(image.width - 1, cx + radius) {
        let w = Double(pixels[(y * image.width + x) * image.bands])
        sx += w * Double(x)
        sy += w * Double(y)
        sw += w
      }
    }
    return sw > 0 ? ImagePoint(x: sx / sw, y: sy / sw) : ImagePoint(x: .nan, y: .nan)
  }

  /// The bytes of a PNG whose header announces `width × height` RGB pixels but that carries
  /// almost no data: enough for a decoder to read the size, so a loader must refuse it before
  /// allocating.
  static func pngBombHeader(width: UInt32, height: UInt32) -> Data {
    var data = Data([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A])
    func chunk(_ type: String, _ body: [UInt8]) {
      var length = UInt32(body.count).bigEndian
      data.append(Data(bytes: &length, count: 4))
      let typed = Array(type.utf8) + body
      data.append(contentsOf: typed)
      var crc = crc32(typed).bigEndian
      data.append(Data(bytes: &crc, count: 4))
    }
    func be(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }
    chunk("IHDR", be(width) + be(height) + [8, 2, 0, 0, 0])
    // A valid zlib stream of one stored empty block: decoding would start and soon run dry.
    chunk("IDAT", [0x78, 0x01, 0x01, 0x00, 0x00, 0xFF, 0xFF, 0x00, 0x00, 0x00, 0x01])
    chunk("IEND", [])
    return data
  }

  static func crc32(_ bytes: [UInt8]) -> UInt32 {
    var crc: UInt32 = 0xFFFF_FFFF
    for byte in bytes {
      crc ^= UInt32(byte)
      for _ in 0..<8 { crc = crc & 1 == 1 ? (crc >> 1) ^ 0xEDB8_8320 : crc >> 1 }
    }
    return ~crc
  }
}

/// Asserts that two pixel values differ by at most `tolerance`.
func assertClose(
  _ a: [UInt8], _ b: [UInt8], tolerance: Int, _ message: String = "", file: StaticString = #filePath,
  line: UInt = #line
) {
  XCTAssertEqual(a.count, b.count, message, file: file, line: line)
  for (x, y) in zip(a, b) where abs(Int(x) - Int(y)) > tolerance {
    XCTFail("\(a) vs \(b) beyond ±\(tolerance) \(message)", file: file, line: line)
    return
  }
}
