import Foundation
import XCTest

@testable import MorphImaging

/// The libjpeg-turbo path must give exactly what the libvips path gives, and hand every case it
/// does not handle back to libvips.
final class DirectJPEGTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws { dir = try TestImages.scratch() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

  /// The same bytes under a suffix the direct path ignores go through libvips' fused path.
  private func pair(_ image: VipsImage, quality: Int = 92) throws -> (direct: URL, viaVips: URL) {
    let direct = dir.appendingPathComponent("face.jpg")
    try image.save(to: direct, quality: quality)
    let viaVips = dir.appendingPathComponent("face.bin")
    try FileManager.default.copyItem(at: direct, to: viaVips)
    return (direct, viaVips)
  }

  private func run(_ preprocessor: ImagePreprocessor, _ url: URL, item: Int) throws -> [Float] {
    var out = [Float](repeating: .nan, count: 3 * preprocessor.size * preprocessor.size)
    try out.withUnsafeMutableBufferPointer { try preprocessor.process(url, item: item, epoch: 1, into: $0) }
    return out
  }

  func testDirectPathEqualsTheLibvipsPath() throws {
    let (direct, viaVips) = try pair(TestImages.waves(width: 178, height: 218))
    XCTAssertNotNil(DirectJPEG.open(direct))
    for size in [96, 128] {
      let preprocessor = ImagePreprocessor(size: size, jitter: Jitter(seed: 5))
      for item in 0..<3 {
        let a = try run(preprocessor, direct, item: item)
        let b = try run(preprocessor, viaVips, item: item)
        XCTAssertFalse(a.contains { $0.isNaN })
        XCTAssertEqual(a, b, "size \(size), item \(item)")
      }
    }
  }

  func testShrinkOnDecodeStaysCloseToTheFullDecode() throws {
    // At 64 px the direct path decodes at ½ (DCT scaling); the libvips fused path on the
    // unsuffixed copy decodes at full size and samples bilinearly. Smooth content: close.
    let (direct, viaVips) = try pair(TestImages.waves(width: 178, height: 218), quality: 95)
    let preprocessor = ImagePreprocessor(size: 64, jitter: Jitter(seed: 2))
    let a = try run(preprocessor, direct, item: 0)
    let b = try run(preprocessor, viaVips, item: 0)
    let meanError = zip(a, b).map { abs($0 - $1) }.reduce(0, +) / Float(a.count)
    XCTAssertLessThan(meanError, 4 / 255 / 0.224)
    XCTAssertNotEqual(a, b)  // really two different decodes
  }

  func testOrientationIsReadAndRotatedFilesGoToLibvips() throws {
    let url = dir.appendingPathComponent("rotated.jpg")
    try TestImages.gradient(width: 218, height: 178).settingOrientation(6).save(to: url, quality: 95)
    let jpeg = try XCTUnwrap(DirectJPEG.open(url))
    XCTAssertEqual([jpeg.width, jpeg.height, jpeg.orientation], [218, 178, 6])
    // Upright after rotation, the 178×218 face crops; read raw it would be too small (178 high).
    let preprocessor = ImagePreprocessor(size: 64, jitter: Jitter(seed: 1))
    let out = try run(preprocessor, url, item: 0)
    XCTAssertFalse(out.contains { $0.isNaN })
  }

  func testFilesTheDirectPathDoesNotHandle() throws {
    let grey = dir.appendingPathComponent("grey.jpg")
    try VipsImage(pixels: [UInt8](repeating: 90, count: 16), width: 4, height: 4, bands: 1).save(to: grey)
    XCTAssertNil(DirectJPEG.open(grey))  // one component: libvips converts it
    let text = dir.appendingPathComponent("text.jpg")
    try Data("not a jpeg".utf8).write(to: text)
    XCTAssertNil(DirectJPEG.open(text))
    XCTAssertNil(DirectJPEG.open(dir.appendingPathComponent("missing.jpg")))
  }

  /// The direct path reads a file whole: a FIFO (which would block the open) and a file past
  /// 64 MB (read into memory) are left to the libvips path, which streams.
  func testFIFOsAndHugeFilesAreLeftToLibvips() throws {
    let fifo = dir.appendingPathComponent("fifo.jpg")
    XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
    XCTAssertNil(DirectJPEG.open(fifo))
    let huge = dir.appendingPathComponent("huge.jpg")
    try TestImages.gradient(width: 40, height: 30).save(to: huge, quality: 90)
    XCTAssertNotNil(DirectJPEG.open(huge))
    let handle = try FileHandle(forWritingTo: huge)
    try handle.truncate(atOffset: (64 << 20) + 1)  // sparse: no disk used
    try handle.close()
    XCTAssertNil(DirectJPEG.open(huge))
  }

  func testTruncatedFileFailsWithoutWritingAndLibvipsNamesIt() throws {
    let good = dir.appendingPathComponent("good.jpg")
    try TestImages.noise(width: 178, height: 218).save(to: good, quality: 90)
    let cut = dir.appendingPathComponent("cut.jpg")
    let bytes = try Data(contentsOf: good)
    try bytes.prefix(bytes.count / 2).write(to: cut)
    let jpeg = try XCTUnwrap(DirectJPEG.open(cut))  // the header is intact
    var slice = [Float](repeating: 7, count: 3 * 32 * 32)
    let ok = slice.withUnsafeMutableBufferPointer {
      jpeg.decodeAndWarp(
        shrink: 1, failOnTruncation: true, by: AffineTransform(a: 0.2, b: 0, c: 0, d: 0.2, tx: 0, ty: 0),
        into: $0, width: 32, height: 32, levels: (1, 0), border: .edge, normalisation: .imageNet)
    }
    XCTAssertFalse(ok)
    XCTAssertTrue(slice.allSatisfy { $0 == 7 })
    let preprocessor = ImagePreprocessor(size: 64, jitter: Jitter(seed: 1))
    XCTAssertThrowsError(try run(preprocessor, cut, item: 0)) { XCTAssertTrue("\($0)".hasPrefix(cut.path), "\($0)") }
    // Without failing on truncation the rest is filled in and the item goes through.
    let lenient = ImagePreprocessor(
      size: 64, jitter: Jitter(seed: 1), loader: ImageLoader(ImageLoadOptions(failOnTruncation: false)))
    XCTAssertFalse(try run(lenient, cut, item: 0).contains { $0.isNaN })
  }
}
