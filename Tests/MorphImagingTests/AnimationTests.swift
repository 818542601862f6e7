import Foundation
import MorphImaging
import XCTest

final class AnimationTests: XCTestCase {
  private func frame(_ value: UInt8) throws -> VipsImage {
    try VipsImage(pixels: [UInt8](repeating: value, count: 16 * 12 * 3), width: 16, height: 12)
  }

  func testPingPongOrder() throws {
    let frames = try [0, 1, 2, 3].map { try frame(UInt8($0 * 60)) }
    let order = Animation.sequence(frames, pingPong: true).map { ObjectIdentifier($0) }
    XCTAssertEqual(order, [0, 1, 2, 3, 2, 1].map { ObjectIdentifier(frames[$0]) })
    XCTAssertEqual(Animation.sequence(frames, pingPong: false).count, 4)
  }

  func testSavesAnimatedGIFAndWebP() throws {
    let dir = try TestImages.scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let frames = try [0, 100, 200].map { try frame(UInt8($0)) }
    for (suffix, effort) in [("gif", 4), ("gif", 1), ("gif", 10), ("webp", 4)] {
      let url = dir.appendingPathComponent("t.\(suffix)")
      try Animation.save(frames, to: url, pingPong: true, delayMilliseconds: 80, gifEffort: effort)
      let strip = try VipsImage.loadAllPages(url)
      XCTAssertEqual(strip.pageCount, 4, suffix)
      XCTAssertEqual([strip.width, strip.height], [16, 48], suffix)
      // Frame 3 of the ping-pong is frame 1 again (grey 100, within lossy/palette error).
      let pixels = try strip.pixels()
      let bands = strip.bands
      let middleOfFrame = { (f: Int) in Int(pixels[((f * 12 + 6) * 16 + 8) * bands]) }
      XCTAssertEqual(Double(middleOfFrame(3)), 100, accuracy: 8, suffix)
      XCTAssertEqual(Double(middleOfFrame(2)), 200, accuracy: 8, suffix)
    }
  }

  func testRejectsBadRequests() throws {
    let dir = try TestImages.scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let small = try VipsImage(pixels: [UInt8](repeating: 0, count: 8 * 8 * 3), width: 8, height: 8)
    XCTAssertThrowsError(try Animation.save([try frame(0), small], to: dir.appendingPathComponent("a.gif"))) {
      XCTAssertTrue("\($0)".contains("frame 1 is 8×8"), "\($0)")
    }
    XCTAssertThrowsError(try Animation.save([try frame(0)], to: dir.appendingPathComponent("a.png")))
    XCTAssertThrowsError(try Animation.save([try frame(0)], to: dir.appendingPathComponent("a.gif"), gifEffort: 11)) {
      XCTAssertTrue("\($0)".contains("effort 11"), "\($0)")
    }
    XCTAssertThrowsError(try Animation.save([], to: dir.appendingPathComponent("a.gif")))
  }
}
