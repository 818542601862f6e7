import Foundation
import MorphImaging
import XCTest

final class VipsImageTests: XCTestCase {
  /// Morph's own charts are SVG rendered by libvips; the pixels are computed before the text is
  /// gone, and SVG files from outside stay unopenable.
  func testRendersAnSVGMorphWroteButNoSVGFile() throws {
    let svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="red"/></svg>"#
    let image = try VipsImage.renderedSVG(svg)
    XCTAssertEqual([image.width, image.height], [20, 10])
    let pixels = try image.pixels()
    XCTAssertEqual(Array(pixels.prefix(3)), [255, 0, 0])
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("chart-\(UUID().uuidString).svg")
    defer { try? FileManager.default.removeItem(at: file) }
    try Data(svg.utf8).write(to: file)
    XCTAssertThrowsError(try VipsImage.load(file)) { XCTAssertTrue("\($0)".contains("svgload: operation is blocked"), "\($0)") }
  }

  func testPixelsRoundTripThroughPNG() throws {
    let width = 5, height = 4
    let pixels = (0..<(width * height * 3)).map { UInt8($0 * 3 % 256) }
    let image = try VipsImage(pixels: pixels, width: width, height: height)
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("morph-\(UUID()).png")
    defer { try? FileManager.default.removeItem(at: url) }
    try image.save(to: url)
    let loaded = try VipsImage.load(url)
    XCTAssertEqual([loaded.width, loaded.height, loaded.bands], [width, height, 3])
    XCTAssertEqual(try loaded.pixels(), pixels)
  }

  func testLoadingATextFileNamesThePath() throws {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("morph-\(UUID()).jpg")
    try Data("not an image".utf8).write(to: url)
    defer { try? FileManager.default.removeItem(at: url) }
    XCTAssertThrowsError(try VipsImage.load(url)) { error in
      XCTAssertTrue("\(error)".contains(url.path), "\(error)")
    }
  }
}
