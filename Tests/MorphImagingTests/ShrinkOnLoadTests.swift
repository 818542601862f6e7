import Foundation
@testable import MorphImaging
import XCTest

/// The tensor path lets the JPEG decoder shrink (DCT scaling) when the output is much smaller
/// than the photo; geometry and tones must match the full-resolution image path.
final class ShrinkOnLoadTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws { dir = try TestImages.scratch() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

  /// Jitter that changes nothing, so the fused tensor path runs with the plain alignment.
  private let still = Jitter(
    seed: 0,
    options: JitterOptions(
      maxShift: 0, scale: 1...1, maxRotationDegrees: 0, flipProbability: 0, maxBrightness: 0,
      maxContrast: 0))

  private func tensor(_ preprocessor: ImagePreprocessor, _ url: URL, landmarks: FaceLandmarks? = nil)
    throws -> [Float]
  {
    var out = [Float](repeating: 0, count: 3 * preprocessor.size * preprocessor.size)
    try out.withUnsafeMutableBufferPointer {
      try preprocessor.process(url, landmarks: landmarks, into: $0)
    }
    return out
  }

  func testLandmarkDotsLandOnTheTemplateThroughAShrunkDecode() throws {
    // A 3× photo into a 64 crop: the decoder shrinks 4× (0.13 × 4 ≈ 0.53 left for the warp).
    let photo = SimilarityTransform(scale: 3, rotation: 8 * .pi / 180, tx: 40, ty: -140)
    let points = FaceLandmarks.celebaTemplate.points.map { photo.affine.apply($0) }
      .map { ImagePoint(x: $0.x.rounded(), y: $0.y.rounded()) }
    let url = dir.appendingPathComponent("big.jpg")
    try TestImages.dots(width: 640, height: 560, at: points, radius: 5).save(to: url, quality: 98)
    let preprocessor = ImagePreprocessor(
      size: 64, alignment: .landmarks, jitter: still, normalisation: .unit)
    let values = try tensor(preprocessor, url, landmarks: FaceLandmarks(points: points))
    let image = try ImageBatchBuffer(shape: [1, 3, 64, 64], data: values).image(at: 0, normalisation: .unit)
    let crop = Align.celebaCropTransform(width: 178, height: 218, size: 64)
    for (index, templatePoint) in FaceLandmarks.celebaTemplate.points.enumerated() {
      let expected = crop.apply(templatePoint)
      let found = try TestImages.centroid(image, near: expected, radius: 3)
      XCTAssertEqual(found.x, expected.x, accuracy: 1, FaceLandmarks.names[index])
      XCTAssertEqual(found.y, expected.y, accuracy: 1, FaceLandmarks.names[index])
    }
  }

  func testDecoderShrinkKeepsGeometry() throws {
    // Dots drawn at known places in a 640-wide JPEG, decoded at 1/4 size, must appear where the
    // shrink map says: original (x, y) at ((x − 1.5)/4, (y − 1.5)/4).
    let points = [ImagePoint(x: 100, y: 120), ImagePoint(x: 402, y: 331), ImagePoint(x: 555, y: 77)]
    let url = dir.appendingPathComponent("dots.jpg")
    try TestImages.dots(width: 640, height: 480, at: points, radius: 4).save(to: url, quality: 98)
    let opened = try ImageLoader().open(url, sequential: true, shrink: 4)
    XCTAssertEqual(opened.shrink, 4)
    XCTAssertEqual([opened.image.width, opened.image.height], [160, 120])
    let decoded = try opened.image.materialised()
    let toDecoded = try XCTUnwrap(ImagePreprocessor.decoderShrinkMap(4).inverse)
    for point in points {
      let expected = toDecoded.apply(point)
      let found = try TestImages.centroid(decoded, near: expected, radius: 3)
      XCTAssertEqual(found.x, expected.x, accuracy: 0.35, "\(point)")
      XCTAssertEqual(found.y, expected.y, accuracy: 0.35, "\(point)")
    }
    // PNGs are never shrunk by the decoder.
    let png = dir.appendingPathComponent("dots.png")
    try TestImages.dots(width: 64, height: 48, at: [], radius: 1).save(to: png)
    XCTAssertEqual(try ImageLoader().open(png, sequential: true, shrink: 4).shrink, 1)
  }

  func testShrunkDecodeMatchesTheFullImagePath() throws {
    let url = dir.appendingPathComponent("waves.jpg")
    try TestImages.waves(width: 178, height: 218).save(to: url, quality: 95)
    // 64 px from the 160 crop is a 0.4 reduction: the decoder shrinks 2×.
    let preprocessor = ImagePreprocessor(size: 64, jitter: still, normalisation: .unit)
    let fused = try tensor(preprocessor, url)
    let reference = try ImageBatchBuffer(
      images: [Align.celebaCrop(ImageLoader().load(url), size: 64)], normalisation: .unit
    ).data
    let differences = zip(fused, reference).map { abs($0 - $1) * 255 }
    let mean = differences.reduce(0, +) / Float(differences.count)
    XCTAssertLessThan(mean, 3, "mean difference in levels")
  }
}
