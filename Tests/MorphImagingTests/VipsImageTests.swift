import Foundation
import MorphImaging
import XCTest

final class VipsImageTests: XCTestCase {
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
