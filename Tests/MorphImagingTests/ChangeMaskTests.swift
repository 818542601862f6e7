@testable import MorphImaging
import XCTest

/// The change mask (where an edit reaches) and masked composition.
final class ChangeMaskTests: XCTestCase {
  func bytes(_ w: Int, _ h: Int, _ value: (Int, Int, Int) -> UInt8) -> [UInt8] {
    var p = [UInt8](repeating: 0, count: w * h * 3)
    for y in 0..<h { for x in 0..<w { for c in 0..<3 { p[(y * w + x) * 3 + c] = value(x, y, c) } } }
    return p
  }

  func testBoxBlurAveragesOverTheWindowInsideTheImage() {
    var row: [Float] = [0, 0, 3, 0, 0]
    var scratch = [Float](repeating: 0, count: 5)
    ChangeMask.boxBlur(&row, scratch: &scratch, width: 5, height: 1, radius: 1)
    // Edges average over the two pixels they have; a one-row image is unchanged by columns.
    XCTAssertEqual(row, [0, 1, 1, 1, 0])
    var square: [Float] = [0, 0, 0, 0, 9, 0, 0, 0, 0]
    var scratch9 = [Float](repeating: 0, count: 9)
    ChangeMask.boxBlur(&square, scratch: &scratch9, width: 3, height: 3, radius: 1)
    // Corner: mean of a 2×2 window (9/4); centre: mean of all nine (1).
    XCTAssertEqual(square[0], 9.0 / 4, accuracy: 1e-6)
    XCTAssertEqual(square[4], 1, accuracy: 1e-6)
    XCTAssertEqual(square[1], 9.0 / 6, accuracy: 1e-6)
  }

  func testNoChangeGivesAZeroMaskAndThePhoto() throws {
    let recon = bytes(32, 32) { x, y, c in UInt8((x * 7 + y * 3 + c * 50) % 256) }
    // Decoder noise of ±2/255 everywhere stays under the low threshold.
    let noisy = bytes(32, 32) { x, y, c in UInt8(clamping: Int(recon[(y * 32 + x) * 3 + c]) + ((x + y + c) % 2 == 0 ? 2 : -2)) }
    let mask = try ChangeMask().mask(reconstruction: recon, edited: noisy, width: 32, height: 32)
    XCTAssertEqual(mask.max(), 0)
    let photo = bytes(32, 32) { x, y, _ in UInt8((x * 31 + y * 11) % 256) }
    XCTAssertEqual(try ChangeMask.compose(photo: photo, edited: noisy, mask: mask), photo)
  }

  func testAnEditedBlockIsFullyMaskedInsideAndNotFarAway() throws {
    let w = 64, h = 64
    let recon = bytes(w, h) { _, _, _ in 100 }
    // One channel of a 20×20 block changes by 80/255.
    let edited = bytes(w, h) { x, y, c in (20..<40).contains(x) && (20..<40).contains(y) && c == 1 ? 180 : 100 }
    let mask = try ChangeMask().mask(reconstruction: recon, edited: edited, width: w, height: h)
    XCTAssertEqual(mask[30 * w + 30], 1, accuracy: 1e-6)
    XCTAssertEqual(mask[5 * w + 5], 0)
    XCTAssertEqual(mask[30 * w + 50], 0)
    // The edge is feathered: strictly between 0 and 1 just outside the block.
    XCTAssertGreaterThan(mask[30 * w + 41], 0)
    XCTAssertLessThan(mask[30 * w + 41], 1)
    let photo = bytes(w, h) { _, _, _ in 10 }
    let out = try ChangeMask.compose(photo: photo, edited: edited, mask: mask)
    XCTAssertEqual(Array(out[(30 * w + 30) * 3..<(30 * w + 30) * 3 + 3]), [100, 180, 100])
    XCTAssertEqual(Array(out[(5 * w + 5) * 3..<(5 * w + 5) * 3 + 3]), [10, 10, 10])
  }

  func testBadThresholdsAndSizesAreErrorsThatSayWhat() {
    XCTAssertThrowsError(try ChangeMask(low: 0.1, high: 0.05).mask(reconstruction: [], edited: [], width: 0, height: 0)) {
      XCTAssertTrue("\($0)".contains("low < high"), "\($0)")
    }
    XCTAssertThrowsError(try ChangeMask().mask(reconstruction: [UInt8](repeating: 0, count: 12), edited: [0], width: 2, height: 2)) {
      XCTAssertTrue("\($0)".contains("2×2"), "\($0)")
    }
    XCTAssertThrowsError(try ChangeMask.compose(photo: [0, 0, 0], edited: [0, 0], mask: [1]))
    XCTAssertNil(ChangeMask().thresholdProblem)
    XCTAssertNil(ChangeMask().radiusProblem)
    XCTAssertNotNil(ChangeMask(low: 0.2, high: 1.5).thresholdProblem)
    XCTAssertNil(ChangeMask(low: 0.2, high: 1.5).radiusProblem, "each problem names its own fields")
    XCTAssertNotNil(ChangeMask(feather: 0.7).radiusProblem)
    XCTAssertNil(ChangeMask(feather: 0.7).thresholdProblem)
    XCTAssertThrowsError(try ChangeMask(grow: -0.1).validate()) { XCTAssertTrue("\($0)".contains("radii"), "\($0)") }
  }

  func testDetailTransferMaskedShowsTheEditWhereItReachesAndThePhotoElsewhere() throws {
    let photo = try VipsImage(pixels: bytes(32, 32) { x, _, _ in x < 16 ? 30 : 220 }, width: 32, height: 32)
    let recon = try VipsImage(pixels: bytes(16, 16) { _, _, _ in 100 }, width: 16, height: 16)
    // The edit brightens the right half only.
    let edited = try VipsImage(pixels: bytes(16, 16) { x, _, _ in x < 8 ? 100 : 200 }, width: 16, height: 16)
    let out = try DetailTransfer.apply(photo: photo, reconstruction: recon, edits: [edited], composition: .masked(ChangeMask()))[0].pixels()
    // Far left: the photo; far right: the edited face (not photo + change, which would clamp at 255).
    XCTAssertEqual(out[(16 * 32 + 1) * 3], 30)
    XCTAssertEqual(out[(16 * 32 + 30) * 3], 200)
  }

  func testRedrawnCompositionAddsSlightChangesAndShowsRedrawnParts() throws {
    let w = 64, h = 64
    let recon = bytes(w, h) { _, _, _ in 100 }
    // Left block: a slight change (+10/255, under the redraw mask's 0.05); right block: a
    // redraw (+120/255).
    let edited = bytes(w, h) { x, y, _ in
      guard (20..<44).contains(y) else { return 100 }
      if (4..<24).contains(x) { return 110 }
      if (40..<60).contains(x) { return 220 }
      return 100
    }
    let photo = bytes(w, h) { x, y, c in UInt8(40 + (x * 3 + y + c * 20) % 60) }
    let mask = try ChangeMask.redraw.mask(reconstruction: recon, edited: edited, width: w, height: h)
    XCTAssertEqual(mask[32 * w + 14], 0, "a slight change is not a redraw")
    XCTAssertEqual(mask[32 * w + 50], 1, accuracy: 1e-6)
    let out = try ChangeMask.composeRedrawn(photo: photo, reconstruction: recon, edited: edited, mask: mask)
    let at = { (x: Int, y: Int, c: Int) in (y * w + x) * 3 + c }
    for c in 0..<3 {
      // Slight change: photo + change, the photo's pattern kept.
      XCTAssertEqual(out[at(14, 32, c)], photo[at(14, 32, c)] + 10)
      // Redraw: the edited face, the photo's pattern gone.
      XCTAssertEqual(out[at(50, 32, c)], 220)
      // Untouched: the photo.
      XCTAssertEqual(out[at(30, 5, c)], photo[at(30, 5, c)])
    }
    // Nothing edited: an empty mask and the photo, exactly.
    let none = try ChangeMask.redraw.mask(reconstruction: recon, edited: recon, width: w, height: h)
    XCTAssertEqual(none.max(), 0)
    XCTAssertEqual(try ChangeMask.composeRedrawn(photo: photo, reconstruction: recon, edited: recon, mask: none), photo)
    XCTAssertThrowsError(try ChangeMask.composeRedrawn(photo: photo, reconstruction: [0], edited: edited, mask: mask)) {
      XCTAssertTrue("\($0)".contains("reconstruction 1 bytes"), "\($0)")
    }
  }

  func testDetailTransferRedrawIsDetailTransferWhereTheEditIsSlight() throws {
    let photo = try VipsImage(pixels: bytes(32, 32) { x, y, _ in UInt8(60 + (x + y) % 7 * 10) }, width: 32, height: 32)
    let recon = try VipsImage(pixels: bytes(16, 16) { _, _, _ in 100 }, width: 16, height: 16)
    let slight = try VipsImage(pixels: bytes(16, 16) { _, _, _ in 104 }, width: 16, height: 16)
    let redrawn = try DetailTransfer.apply(photo: photo, reconstruction: recon, edits: [slight], composition: .redraw(.redraw))[0]
    let added = try DetailTransfer.apply(photo: photo, reconstruction: recon, edits: [slight], composition: .change)[0]
    XCTAssertEqual(try redrawn.pixels(), try added.pixels())
    // Masked composition keeps only part of the same slight change (4/255 lies between its
    // thresholds): the two compositions differ.
    let masked = try DetailTransfer.apply(photo: photo, reconstruction: recon, edits: [slight], composition: .masked(ChangeMask()))[0]
    XCTAssertNotEqual(try masked.pixels(), try redrawn.pixels())
  }
}
