import Foundation
import MorphImaging
import XCTest

final class GeometryTests: XCTestCase {
  func testAffineComposeAndInverse() throws {
    let a = AffineTransform.rotation(radians: 0.3).then(.scale(x: 2, y: 3)).then(.translation(dx: 5, dy: -7))
    let p = ImagePoint(x: 1.5, y: -2)
    // Applying the composition equals applying the parts in order.
    let stepwise = AffineTransform.translation(dx: 5, dy: -7).apply(
      AffineTransform.scale(x: 2, y: 3).apply(AffineTransform.rotation(radians: 0.3).apply(p)))
    XCTAssertEqual(a.apply(p).x, stepwise.x, accuracy: 1e-12)
    XCTAssertEqual(a.apply(p).y, stepwise.y, accuracy: 1e-12)
    let back = try XCTUnwrap(a.inverse).apply(a.apply(p))
    XCTAssertEqual(back.x, p.x, accuracy: 1e-12)
    XCTAssertEqual(back.y, p.y, accuracy: 1e-12)
    XCTAssertNil(AffineTransform.scale(x: 0, y: 1).inverse)
  }

  func testSimilarityFitRecoversAKnownTransform() throws {
    let truth = SimilarityTransform(scale: 1.7, rotation: -0.4, tx: 12, ty: -3)
    let source = FaceLandmarks.celebaTemplate.points
    let target = source.map { truth.affine.apply($0) }
    let fitted = try SimilarityTransform.fit(from: source, to: target)
    XCTAssertEqual(fitted.scale, 1.7, accuracy: 1e-9)
    XCTAssertEqual(fitted.rotation, -0.4, accuracy: 1e-9)
    XCTAssertEqual(fitted.tx, 12, accuracy: 1e-9)
    XCTAssertEqual(fitted.ty, -3, accuracy: 1e-9)
    XCTAssertThrowsError(
      try SimilarityTransform.fit(from: Array(repeating: ImagePoint(x: 1, y: 1), count: 5), to: target))
  }

  /// Dots drawn at the landmarks of a photo, scaled, rotated and shifted away from the template,
  /// must land on the template's positions in the aligned crop within 1 px.
  private func checkLandmarkAlignment(
    photo: SimilarityTransform, width: Int, height: Int, size: Int, dotRadius: Int,
    file: StaticString = #filePath, line: UInt = #line
  ) throws {
    let placed = FaceLandmarks.celebaTemplate.points.map { photo.affine.apply($0) }
    // Dots sit on whole pixels, so the landmarks given are the rounded positions.
    let rounded = placed.map { ImagePoint(x: $0.x.rounded(), y: $0.y.rounded()) }
    for p in rounded {
      XCTAssertTrue(p.x > 5 && p.y > 5 && p.x < Double(width - 5) && p.y < Double(height - 5), "\(p)")
    }
    let image = try TestImages.dots(width: width, height: height, at: rounded, radius: dotRadius)
    let aligned = try Align.landmarks(image, points: try FaceLandmarks(points: rounded), size: size)
    XCTAssertEqual([aligned.width, aligned.height], [size, size], file: file, line: line)
    let crop = Align.celebaCropTransform(width: 178, height: 218, size: size)
    for (index, templatePoint) in FaceLandmarks.celebaTemplate.points.enumerated() {
      let expected = crop.apply(templatePoint)
      let found = try TestImages.centroid(aligned, near: expected, radius: max(3, size / 24))
      let distance = ((found.x - expected.x) * (found.x - expected.x) + (found.y - expected.y) * (found.y - expected.y)).squareRoot()
      XCTAssertLessThan(
        distance, 1.0, "\(FaceLandmarks.names[index]): expected \(expected), found \(found)",
        file: file, line: line)
    }
  }

  func testLandmarkDotsLandOnTheTemplate() throws {
    try checkLandmarkAlignment(
      photo: SimilarityTransform(scale: 1.3, rotation: 12 * .pi / 180, tx: 40, ty: 10),
      width: 320, height: 320, size: 128, dotRadius: 1)
    try checkLandmarkAlignment(
      photo: SimilarityTransform(scale: 0.8, rotation: -20 * .pi / 180, tx: -10, ty: 30),
      width: 200, height: 240, size: 64, dotRadius: 1)
  }

  func testLandmarkAlignmentOfALargePhotoUsesTheShrinkPath() throws {
    // 3× the template's scale into a 64 crop shrinks ~7.5×: the warp pre-reduces the photo.
    try checkLandmarkAlignment(
      photo: SimilarityTransform(scale: 3, rotation: 5 * .pi / 180, tx: 60, ty: -150),
      width: 640, height: 520, size: 64, dotRadius: 4)
  }

  func testWarpWithIdentityKeepsPixelsAndRejectsSingularMaps() throws {
    let image = try TestImages.gradient(width: 20, height: 10, rStep: 9, gStep: 20)
    XCTAssertEqual(try image.warped(by: .identity, width: 20, height: 10).pixels(), try image.pixels())
    XCTAssertThrowsError(try image.warped(by: .scale(x: 0, y: 1), width: 20, height: 10))
  }
}
