import Foundation
import MorphImaging
import XCTest

final class ImageLoaderTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws { dir = try TestImages.scratch() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

  private func expectUnreadable(_ url: URL, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertThrowsError(try ImageLoader().load(url), file: file, line: line) { error in
      guard case ImagingError.unreadable(let path, let reason)? = error as? ImagingError else {
        return XCTFail("expected .unreadable, got \(error)", file: file, line: line)
      }
      XCTAssertEqual(path, url.path, file: file, line: line)
      XCTAssertFalse(reason.isEmpty, file: file, line: line)
      XCTAssertTrue("\(error)".hasPrefix(url.path), "\(error)", file: file, line: line)
    }
  }

  func testLoadsJPEGPNGWebPAndTIFFAsSRGB8() throws {
    let source = try TestImages.gradient(width: 40, height: 30, rStep: 6, gStep: 8)
    let expected = try source.pixels()
    for (suffix, tolerance) in [("png", 0), ("tif", 0), ("webp", 12), ("jpg", 12)] {
      let url = dir.appendingPathComponent("g.\(suffix)")
      try source.save(to: url, quality: 95)
      let image = try ImageLoader().load(url)
      XCTAssertEqual([image.width, image.height, image.bands], [40, 30, 3], suffix)
      XCTAssertTrue(image.isEightBit, suffix)
      XCTAssertEqual(image.interpretation, .srgb, suffix)
      let got = try image.pixels()
      let worst = zip(got, expected).map { abs(Int($0) - Int($1)) }.max() ?? 0
      XCTAssertLessThanOrEqual(worst, tolerance, suffix)
    }
  }

  func testEmptyFileIsAClearError() throws {
    let url = dir.appendingPathComponent("empty.jpg")
    try Data().write(to: url)
    expectUnreadable(url)
    XCTAssertThrowsError(try ImageLoader().load(url)) { XCTAssertTrue("\($0)".contains("0 bytes"), "\($0)") }
  }

  func testMissingFileIsAClearError() {
    expectUnreadable(dir.appendingPathComponent("nope.png"))
  }

  func testTextFileNamedJPEGIsAClearError() throws {
    let url = dir.appendingPathComponent("notes.jpg")
    try Data("these are not pixels\n".utf8).write(to: url)
    expectUnreadable(url)
  }

  /// libvips sniffs content, not names: a `.png` holding an SVG would go to librsvg, a `.jpg`
  /// holding a PDF to poppler. Those parsers are switched off, and the error says so.
  func testFilesOfOtherFormatsAreRefusedUnparsedWhateverTheirName() throws {
    let svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><rect width="64" height="64" fill="red"/></svg>"#
    let pdf = "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
    for (name, bytes, format) in [("face.png", svg, "SVG"), ("face.jpg", pdf, "PDF")] {
      let url = dir.appendingPathComponent(name)
      try Data(bytes.utf8).write(to: url)
      guard try Vips.loaderIsBlocked(format.lowercased() + "load") != nil else { continue }  // libvips built without it
      expectUnreadable(url)
      XCTAssertThrowsError(try ImageLoader().load(url)) {
        XCTAssertTrue("\($0)".contains("holds \(format) data, which Morph does not open"), "\($0)")
        XCTAssertTrue("\($0)".contains(ImageLoader.openedFormats), "\($0)")
      }
    }
  }

  func testOnlyThePhotoFormatsLoadersAreOn() throws {
    for loader in ["jpegload", "jpegload_buffer", "pngload", "pngload_buffer", "webpload", "tiffload", "gifload", "heifload", "ppmload"] {
      XCTAssertEqual(try Vips.loaderIsBlocked(loader), false, loader)
    }
    for loader in ["svgload", "pdfload", "magickload", "magickload_buffer", "openslideload", "matrixload", "csvload", "vipsload", "fitsload", "matload"] {
      let blocked = try Vips.loaderIsBlocked(loader)
      XCTAssertTrue(blocked == nil || blocked == true, "\(loader) is on")
    }
    XCTAssertNil(try Vips.loaderIsBlocked("nosuchload"))
  }

  /// HEIC (phones' photos) and AVIF, lossy: the same picture within a few levels on average.
  func testLoadsHEICAndAVIF() throws {
    let source = try TestImages.gradient(width: 64, height: 48, rStep: 3, gStep: 4)
    let expected = try source.pixels()
    for suffix in ["heic", "avif"] {
      let url = dir.appendingPathComponent("g.\(suffix)")
      try source.save(to: url, quality: 90)
      let image = try ImageLoader().load(url)
      XCTAssertEqual([image.width, image.height, image.bands], [64, 48, 3], suffix)
      let got = try image.pixels()
      let mean = Double(zip(got, expected).map { abs(Int($0) - Int($1)) }.reduce(0, +)) / Double(got.count)
      XCTAssertLessThan(mean, 4, suffix)
    }
  }

  /// A 40-byte GIF of 1 × 64,514 pixels (kept from the `image` fuzz target): decoding it through
  /// one region cost time growing with the square of the height (15 s); tall images now go
  /// through libvips' threaded sink. `scripts/fuzz image` (10 s timeout) replays it every run.
  func testATallThinGIFDecodes() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("FuzzCorpus/image/tall-1x64514.gif")
    let image = try ImageLoader().load(url)
    XCTAssertEqual([image.width, image.height, image.bands], [1, 64_514, 3])
    XCTAssertEqual(try image.pixels().count, 64_514 * 3)
  }

  func testPPMAndGIFStillLoad() throws {
    let ppm = dir.appendingPathComponent("p.ppm")
    try Data("P3\n2 1\n255\n255 0 0 0 0 255\n".utf8).write(to: ppm)
    let image = try ImageLoader().load(ppm)
    XCTAssertEqual(try image.pixels(), [255, 0, 0, 0, 0, 255])
    let gif = dir.appendingPathComponent("g.gif")
    try TestImages.gradient(width: 8, height: 6, rStep: 20, gStep: 30).save(to: gif)
    XCTAssertEqual(try ImageLoader().load(gif).width, 8)
  }

  func testTruncatedJPEGIsAClearError() throws {
    let url = dir.appendingPathComponent("cut.jpg")
    try TestImages.noise(width: 200, height: 200).save(to: url, quality: 90)
    let whole = try Data(contentsOf: url)
    try whole.prefix(whole.count / 2).write(to: url)
    expectUnreadable(url)
  }

  func testPNGBombHeaderIsRefusedBeforeDecoding() throws {
    let url = dir.appendingPathComponent("bomb.png")
    try TestImages.pngBombHeader(width: 20000, height: 20000).write(to: url)
    XCTAssertThrowsError(try ImageLoader().load(url)) { error in
      XCTAssertEqual(
        error as? ImagingError,
        .tooManyPixels(file: url.path, width: 20000, height: 20000, limit: ImageLoadOptions.defaultMaxPixels))
      XCTAssertTrue("\(error)".contains("decompression bomb"))
    }
  }

  func testCMYKJPEGBecomesRGB() throws {
    // Pure cyan ink (C=255, M=Y=K=0) must come out blue-green: red low, green and blue high.
    let cyan = [UInt8](repeating: 0, count: 16 * 16 * 4).enumerated().map { $0.offset % 4 == 0 ? 255 : 0 }
    let url = dir.appendingPathComponent("cmyk.jpg")
    try VipsImage(pixels: cyan.map(UInt8.init), width: 16, height: 16, bands: 4).tagged(as: .cmyk)
      .save(to: url, quality: 95)
    let reloaded = try VipsImage.load(url)
    XCTAssertEqual(reloaded.bands, 4, "the fixture must really be a CMYK JPEG")
    let image = try ImageLoader().load(url)
    XCTAssertEqual([image.bands], [3])
    let pixel = Array(try image.pixels()[0..<3])
    XCTAssertLessThan(pixel[0], 100, "\(pixel)")
    XCTAssertGreaterThan(pixel[1], 120, "\(pixel)")
    XCTAssertGreaterThan(pixel[2], 180, "\(pixel)")
  }

  func testSixteenBitPNGBecomesEightBit() throws {
    let pixels16 = (0..<(8 * 8)).flatMap { _ in [UInt16(65535), UInt16(32896), UInt16(0)] }
    let url = dir.appendingPathComponent("deep.png")
    try VipsImage(pixels16: pixels16, width: 8, height: 8, bands: 3).save(to: url)
    XCTAssertFalse(try VipsImage.load(url).isEightBit, "the fixture must really be 16-bit")
    let image = try ImageLoader().load(url)
    XCTAssertTrue(image.isEightBit)
    assertClose(Array(try image.pixels()[0..<3]), [255, 128, 0], tolerance: 1)
  }

  func testGreyAlphaPNGIsFlattenedOnWhite() throws {
    // Left pixel: grey 100, opaque. Right pixel: black, fully transparent → white.
    let url = dir.appendingPathComponent("grey-alpha.png")
    try VipsImage(pixels: [100, 255, 0, 0], width: 2, height: 1, bands: 2).tagged(as: .grey)
      .save(to: url)
    XCTAssertEqual(try VipsImage.load(url).bands, 2, "the fixture must really be grey+alpha")
    let image = try ImageLoader().load(url)
    XCTAssertEqual(image.bands, 3)
    assertClose(try image.pixels(), [100, 100, 100, 255, 255, 255], tolerance: 1)
  }

  func testGreyPNGBecomesThreeBands() throws {
    let url = dir.appendingPathComponent("grey.png")
    try VipsImage(pixels: [0, 50, 200, 255], width: 2, height: 2, bands: 1).save(to: url)
    let image = try ImageLoader().load(url)
    XCTAssertEqual(try image.pixels(), [0, 0, 0, 50, 50, 50, 200, 200, 200, 255, 255, 255])
  }

  func testEXIFOrientationIsApplied() throws {
    // A 4×2 image tagged "rotate 90° clockwise to display" (orientation 6) loads as 2×4.
    let url = dir.appendingPathComponent("rotated.jpg")
    try TestImages.gradient(width: 4, height: 2).settingOrientation(6).save(to: url, quality: 95)
    let image = try ImageLoader().load(url)
    XCTAssertEqual([image.width, image.height], [2, 4])
    let raw = try ImageLoader(ImageLoadOptions(autorotate: false)).load(url)
    XCTAssertEqual([raw.width, raw.height], [4, 2])
  }

  func testLoadAllReportsEachItemAndGoesOn() throws {
    let good = dir.appendingPathComponent("good.png")
    try TestImages.gradient(width: 10, height: 10).save(to: good)
    let empty = dir.appendingPathComponent("empty.png")
    try Data().write(to: empty)
    let text = dir.appendingPathComponent("text.jpg")
    try Data("hello".utf8).write(to: text)
    let results = ImageLoader().loadAll([empty, good, text, good], parallelism: 2)
    XCTAssertEqual(results.count, 4)
    XCTAssertThrowsError(try results[0].get()) { XCTAssertTrue("\($0)".contains(empty.path)) }
    XCTAssertEqual(try results[1].get().width, 10)
    XCTAssertThrowsError(try results[2].get()) { XCTAssertTrue("\($0)".contains(text.path)) }
    XCTAssertEqual(try results[3].get().height, 10)
  }
}
