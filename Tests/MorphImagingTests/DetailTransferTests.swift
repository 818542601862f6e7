import MorphImaging
import XCTest

/// Detail transfer: photo + (edited − reconstruction), the two resized to the photo.
final class DetailTransferTests: XCTestCase {
  func image(_ w: Int, _ h: Int, _ value: (Int, Int, Int) -> UInt8) throws -> VipsImage {
    var p = [UInt8](repeating: 0, count: w * h * 3)
    for y in 0..<h { for x in 0..<w { for c in 0..<3 { p[(y * w + x) * 3 + c] = value(x, y, c) } } }
    return try VipsImage(pixels: p, width: w, height: h)
  }

  func testNoChangeGivesThePhotoAndAChangeIsAddedAndClamped() throws {
    let photo = try image(12, 12) { x, y, c in UInt8((x * 17 + y * 5 + c * 40) % 256) }
    let recon = try image(4, 4) { _, _, _ in 100 }
    // Nothing edited: the photo, exactly.
    XCTAssertEqual(try DetailTransfer.apply(photo: photo, reconstruction: recon, edited: recon).pixels(), try photo.pixels())
    // A uniform +30 edit: +30 everywhere, clamped at 255.
    let brighter = try image(4, 4) { _, _, _ in 130 }
    let out = try DetailTransfer.apply(photo: photo, reconstruction: recon, edited: brighter).pixels()
    for (o, p) in zip(out, try photo.pixels()) { XCTAssertEqual(Int(o), min(255, Int(p) + 30)) }
    // A uniform −120 edit clamps at 0.
    let darker = try image(4, 4) { _, _, _ in 0 }
    let low = try DetailTransfer.apply(photo: photo, reconstruction: recon, edited: darker).pixels()
    for (o, p) in zip(low, try photo.pixels()) { XCTAssertEqual(Int(o), max(0, Int(p) - 100)) }
  }

  func testMismatchedInputsAreErrors() throws {
    let photo = try image(8, 8) { _, _, _ in 0 }
    XCTAssertThrowsError(
      try DetailTransfer.apply(photo: photo, reconstruction: try image(4, 4) { _, _, _ in 0 }, edited: try image(5, 5) { _, _, _ in 0 }))
  }
}
