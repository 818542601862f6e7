import Foundation
import MorphImaging
import XCTest

final class ImagePreprocessorTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws { dir = try TestImages.scratch() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

  func testBatchKeepsGoingPastBadItems() throws {
    let good = dir.appendingPathComponent("good.jpg")
    try TestImages.noise(width: 178, height: 218).save(to: good, quality: 90)
    let truncated = dir.appendingPathComponent("cut.jpg")
    let bytes = try Data(contentsOf: good)
    try bytes.prefix(bytes.count / 3).write(to: truncated)
    let tiny = dir.appendingPathComponent("tiny.png")
    try TestImages.noise(width: 20, height: 20).save(to: tiny)
    // Without jitter (exact crop) and with it at 128 px (the fused decode-and-warp path).
    for (size, jitter) in [(32, nil), (128, Jitter(seed: 1))] as [(Int, Jitter?)] {
      let preprocessor = ImagePreprocessor(size: size, jitter: jitter)
      let (batch, errors) = try preprocessor.batch([good, truncated, tiny, good], parallelism: 2)
      XCTAssertEqual(batch.shape, [4, 3, size, size])
      XCTAssertNil(errors[0])
      XCTAssertNil(errors[3])
      XCTAssertTrue("\(try XCTUnwrap(errors[1]))".hasPrefix(truncated.path), "\(String(describing: errors[1]))")
      let plane = 3 * size * size
      XCTAssertTrue(batch.data[plane..<(2 * plane)].allSatisfy { $0 == 0 })
      XCTAssertTrue("\(try XCTUnwrap(errors[2]))".hasPrefix(tiny.path))  // too small to crop
      if jitter == nil {
        XCTAssertEqual(Array(batch.data[0..<plane]), Array(batch.data[(3 * plane)..<(4 * plane)]))
      } else {
        // Jittered items differ from each other (different item numbers).
        XCTAssertNotEqual(Array(batch.data[0..<plane]), Array(batch.data[(3 * plane)..<(4 * plane)]))
      }
    }
  }

  func testFusedTensorPathMatchesTheImagePath() throws {
    let url = dir.appendingPathComponent("face.png")
    try TestImages.waves(width: 178, height: 218).save(to: url)
    // 96 px: a mild shrink, where both paths sample bilinearly (below ½ the image path
    // pre-filters, and the tensor path then takes it too).
    let preprocessor = ImagePreprocessor(size: 96, jitter: Jitter(seed: 11))
    var fused = [Float](repeating: 0, count: 3 * 96 * 96)
    for item in 0..<4 {
      try fused.withUnsafeMutableBufferPointer {
        try preprocessor.process(url, item: item, epoch: 2, into: $0)
      }
      let viaImage = try ImageBatchBuffer(images: [preprocessor.image(from: url, item: item, epoch: 2)])
      // Both are bilinear; libvips rounds positions to 1/64 px and levels to 8 bits.
      let worst = zip(fused, viaImage.data).map { abs($0 - $1) }.max() ?? 0
      XCTAssertLessThan(worst, 2.5 / 255 / 0.224, "item \(item)")
    }
  }

  func testWithoutJitterUsesTheReferenceCrop() throws {
    let url = dir.appendingPathComponent("face.png")
    let image = try TestImages.gradient(width: 178, height: 218)
    try image.save(to: url)
    let got = try ImagePreprocessor(size: 64).image(from: url)
    XCTAssertEqual(try got.pixels(), try Align.celebaCrop(image, size: 64).pixels())
  }

  func testLandmarkModeUsesSidecarsAndNamesMissingOnes() throws {
    let url = dir.appendingPathComponent("photo.png")
    let points = FaceLandmarks.celebaTemplate.points.map { ImagePoint(x: $0.x + 20, y: $0.y + 10) }
    try TestImages.dots(width: 220, height: 260, at: points).save(to: url)
    let preprocessor = ImagePreprocessor(size: 64, alignment: .landmarks)
    XCTAssertThrowsError(try preprocessor.image(from: url)) { error in
      XCTAssertTrue("\(error)".hasPrefix(url.path), "\(error)")
      XCTAssertTrue("\(error)".contains("photo.landmarks.json"), "\(error)")
    }
    let json = "[" + points.map { "[\($0.x), \($0.y)]" }.joined(separator: ", ") + "]"
    try Data(json.utf8).write(to: dir.appendingPathComponent("photo.landmarks.json"))
    let aligned = try preprocessor.image(from: url)
    let expected = Align.celebaCropTransform(width: 178, height: 218, size: 64)
      .apply(FaceLandmarks.celebaTemplate.nose)
    let found = try TestImages.centroid(aligned, near: expected, radius: 3)
    XCTAssertEqual(found.x, expected.x, accuracy: 1)
    XCTAssertEqual(found.y, expected.y, accuracy: 1)
  }
}
