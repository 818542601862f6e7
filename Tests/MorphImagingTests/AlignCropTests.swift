import Foundation
import MorphImaging
import XCTest

final class AlignCropTests: XCTestCase {
  func testCelebaCropTakesThe160SquareCentred15PxDown() throws {
    // Gradient: red = x, green = y, so the crop's corner pixels tell where it was taken.
    let image = try TestImages.gradient(width: 178, height: 218)
    let crop = try Align.celebaCrop(image, size: 160)
    XCTAssertEqual([crop.width, crop.height, crop.bands], [160, 160, 3])
    let pixels = try crop.pixels()
    XCTAssertEqual(Array(pixels[0..<2]), [9, 44])  // left (178-160)/2 = 9, top (218-160)/2 + 15 = 44
    let last = (159 * 160 + 159) * 3
    XCTAssertEqual(Array(pixels[last..<(last + 2)]), [168, 203])
  }

  func testCelebaCropResizesToModelSize() throws {
    let image = try TestImages.gradient(width: 178, height: 218)
    for size in [64, 128] {
      let crop = try Align.celebaCrop(image, size: size)
      XCTAssertEqual([crop.width, crop.height], [size, size])
      // The middle of the output samples the middle of the crop: x ≈ 9 + 80, y ≈ 44 + 80.
      let pixels = try crop.pixels()
      let mid = ((size / 2) * size + size / 2) * 3
      XCTAssertEqual(Double(pixels[mid]), 89, accuracy: 2)
      XCTAssertEqual(Double(pixels[mid + 1]), 124, accuracy: 2)
    }
  }

  func testCelebaCropTransformMatchesTheCrop() throws {
    let image = try TestImages.gradient(width: 178, height: 218)
    let viaCrop = try Align.celebaCrop(image, size: 80).pixels()
    let viaWarp = try image.warped(
      by: Align.celebaCropTransform(width: 178, height: 218, size: 80), width: 80, height: 80
    ).pixels()
    // Lanczos vs bilinear differ slightly on a linear ramp at most by rounding.
    assertClose(viaCrop, viaWarp, tolerance: 2)
  }

  func testCelebaCropRefusesSmallImages() throws {
    let small = try TestImages.gradient(width: 100, height: 100)
    XCTAssertThrowsError(try Align.celebaCrop(small, size: 64)) { error in
      XCTAssertTrue("\(error)".contains("100×100"), "\(error)")
    }
  }

  func testCentreCropUsesTheLargestCentredSquare() throws {
    let image = try TestImages.gradient(width: 120, height: 80)
    let crop = try Align.centreCrop(image, size: 80)
    XCTAssertEqual([crop.width, crop.height], [80, 80])
    XCTAssertEqual(Array(try crop.pixels()[0..<2]), [20, 0])
    let viaWarp = try image.warped(
      by: Align.centreCropTransform(width: 120, height: 80, size: 40), width: 40, height: 40)
    assertClose(
      try viaWarp.pixels(), try Align.centreCrop(image, size: 40).pixels(), tolerance: 2)
  }
}
