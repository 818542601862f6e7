import Foundation
import MorphImaging
import XCTest

final class ImageBatchBufferTests: XCTestCase {
  func testNormalisesToNCHWWithImageNetStatistics() throws {
    // 2×1 image: pixel 0 = (255, 0, 128), pixel 1 = (0, 255, 64).
    let image = try VipsImage(pixels: [255, 0, 128, 0, 255, 64], width: 2, height: 1)
    let batch = try ImageBatchBuffer(images: [image, image])
    XCTAssertEqual(batch.shape, [2, 3, 1, 2])
    let mean: [Float] = [0.485, 0.456, 0.406], std: [Float] = [0.229, 0.224, 0.225]
    let expected: [Float] = [
      (1 - mean[0]) / std[0], (0 - mean[0]) / std[0],  // R plane
      (0 - mean[1]) / std[1], (1 - mean[1]) / std[1],  // G plane
      (128 / 255 - mean[2]) / std[2], (64 / 255 - mean[2]) / std[2],  // B plane
    ]
    for (got, want) in zip(batch.data, expected + expected) { XCTAssertEqual(got, want, accuracy: 1e-5) }
  }

  func testRoundTripAndClamping() throws {
    let image = try TestImages.noise(width: 7, height: 5)
    for normalisation in [Normalisation.imageNet, .symmetric, .unit] {
      var batch = try ImageBatchBuffer(images: [image], normalisation: normalisation)
      XCTAssertEqual(try batch.image(at: 0, normalisation: normalisation).pixels(), try image.pixels())
      // Values beyond the range clamp to 0 and 255; NaN becomes 0.
      batch.data[0] = 1e6
      batch.data[1] = -1e6
      batch.data[2] = .nan
      let back = try batch.images(normalisation: normalisation)[0].pixels()
      XCTAssertEqual([back[0], back[3], back[6]], [255, 0, 0])
    }
  }

  func testRejectsMismatchedImagesAndBadStatistics() throws {
    let a = try TestImages.noise(width: 4, height: 4)
    let b = try TestImages.noise(width: 5, height: 4)
    XCTAssertThrowsError(try ImageBatchBuffer(images: [a, b]))
    XCTAssertThrowsError(try ImageBatchBuffer(images: []))
    XCTAssertThrowsError(try Normalisation(mean: [0, 0, 0], std: [1, 0, 1]))
    XCTAssertThrowsError(try ImageBatchBuffer(shape: [1, 3, 2, 2], data: [0]))
  }
}
