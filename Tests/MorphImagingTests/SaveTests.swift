import Foundation
import MorphImaging
import XCTest

final class SaveTests: XCTestCase {
  func testQualityAndFormatsFollowTheSuffix() throws {
    let dir = try TestImages.scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let image = try TestImages.noise(width: 64, height: 64)
    func size(_ name: String, _ quality: Int?) throws -> Int {
      let url = dir.appendingPathComponent(name)
      try image.save(to: url, quality: quality)
      let loaded = try ImageLoader().load(url)
      XCTAssertEqual([loaded.width, loaded.height], [64, 64], name)
      return try XCTUnwrap(FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int)
    }
    XCTAssertLessThan(try size("low.jpg", 30), try size("high.jpg", 95))
    XCTAssertLessThan(try size("low.webp", 30), try size("high.webp", 95))
    XCTAssertGreaterThan(try size("lossless.png", nil), 0)
    let bad = dir.appendingPathComponent("out.xyz")
    XCTAssertThrowsError(try image.save(to: bad)) { XCTAssertTrue("\($0)".contains(bad.path), "\($0)") }
  }
}
