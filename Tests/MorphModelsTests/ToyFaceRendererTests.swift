import Foundation
import XCTest

@testable import MorphModels

/// The synthetic face renderer: determinism, labels, landmarks, absent features.
final class ToyFaceRendererTests: XCTestCase {
  /// A face with nothing dark near the landmarks (no facial hair, glasses, wrinkles, open mouth).
  static func plainFace(pose: FacePose = FacePose()) -> ToyFaceParameters {
    var p = ToyFaceParameters(identity: ToyFaceIdentity(skinTone: 0.2, pose: pose))
    p[.young] = 1
    p[.noBeard] = 1
    p[.smiling] = 0.7
    p[.brownHair] = 0.9
    return p
  }

  func testRenderingIsDeterministic() {
    let sampler = ToyFaceSampler(misalign: 6)
    let a = sampler.parameters(seed: 7, index: 3)
    XCTAssertEqual(a, sampler.parameters(seed: 7, index: 3))
    XCTAssertNotEqual(a, sampler.parameters(seed: 8, index: 3))
    XCTAssertNotEqual(a, sampler.parameters(seed: 7, index: 4))
    let renderer = ToyFaceRenderer(width: 89, height: 109)
    let first = renderer.render(a), second = renderer.render(a)
    XCTAssertTrue(first.pixels == second.pixels)
    XCTAssertEqual(first.landmarks, second.landmarks)
    XCTAssertFalse(first.pixels == renderer.render(sampler.parameters(seed: 7, index: 4)).pixels)
  }

  func testLabelsAreThresholdedParametersAndUnmodelledAreNegative() {
    let sampler = ToyFaceSampler()
    for index in 0..<50 {
      let p = sampler.parameters(seed: 11, index: index)
      let labels = p.celebALabels
      XCTAssertEqual(labels.count, 40)
      for (k, name) in CelebAAttributeNames.all.enumerated() {
        if let attribute = ToyFaceAttribute(rawValue: name) {
          XCTAssertEqual(labels[k], p[attribute] >= 0.5 ? 1 : -1, name)
          // Sampled values keep clear of the threshold, so labels are decidable from the image.
          XCTAssertGreaterThan(abs(p[attribute] - 0.5), 0.09, name)
        } else {
          XCTAssertEqual(labels[k], -1, name)
        }
      }
    }
  }

  func testAbsentFeaturesDrawNothing() {
    let renderer = ToyFaceRenderer(width: 89, height: 109)
    let base = Self.plainFace()
    let reference = renderer.render(base).pixels
    for attribute in ToyFaceAttribute.allCases where attribute.kind == .presence && base[attribute] == 0 {
      var faint = base
      faint[attribute] = 0.1
      XCTAssertTrue(renderer.render(faint).pixels == reference, "\(attribute) at 0.1 must not show")
      faint[attribute] = 0.7
      XCTAssertFalse(renderer.render(faint).pixels == reference, "\(attribute) at 0.7 must show")
    }
    var beard = base
    beard[.noBeard] = 0.9
    XCTAssertTrue(renderer.render(beard).pixels == reference, "a beard at No_Beard 0.9 must not show")
    beard[.noBeard] = 0.3
    XCTAssertFalse(renderer.render(beard).pixels == reference, "a beard at No_Beard 0.3 must show")
  }

  /// Centroid of the pixels in a window that pass `test`.
  static func centroid(
    _ face: ToyFaceImage, around c: FacePoint, radius: Int, _ test: (Double, Double, Double) -> Bool
  ) -> FacePoint? {
    var sx = 0.0, sy = 0.0, n = 0.0
    for y in max(0, Int(c.y) - radius)...min(face.height - 1, Int(c.y) + radius) {
      for x in max(0, Int(c.x) - radius)...min(face.width - 1, Int(c.x) + radius) {
        let i = (y * face.width + x) * 3
        let r = Double(face.pixels[i]) / 255, g = Double(face.pixels[i + 1]) / 255, b = Double(face.pixels[i + 2]) / 255
        if test(r, g, b) {
          sx += Double(x) + 0.5
          sy += Double(y) + 0.5
          n += 1
        }
      }
    }
    return n > 0 ? FacePoint(sx / n, sy / n) : nil
  }

  static func pixel(_ face: ToyFaceImage, _ x: Double, _ y: Double) -> (Double, Double, Double) {
    let i = (Int(y) * face.width + Int(x)) * 3
    return (Double(face.pixels[i]) / 255, Double(face.pixels[i + 1]) / 255, Double(face.pixels[i + 2]) / 255)
  }

  func assertNear(_ a: FacePoint?, _ b: FacePoint, within: Double, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
    guard let a else { return XCTFail("\(what): feature not found", file: file, line: line) }
    XCTAssertLessThanOrEqual(abs(a.x - b.x), within, "\(what) x: drawn \(a.x), landmark \(b.x)", file: file, line: line)
    XCTAssertLessThanOrEqual(abs(a.y - b.y), within, "\(what) y: drawn \(a.y), landmark \(b.y)", file: file, line: line)
  }

  func testLandmarksMatchDrawnFeatures() {
    let renderer = ToyFaceRenderer()
    for pose in [FacePose(), FacePose(dx: 5, dy: -4, angle: 0.09)] {
      let face = renderer.render(Self.plainFace(pose: pose))
      let marks = face.landmarks
      // Pupils are the only near-black pixels around the eyes.
      let pupil = { (r: Double, g: Double, b: Double) in r + g + b < 0.25 }
      assertNear(Self.centroid(face, around: marks.leftEye, radius: 6, pupil), marks.leftEye, within: 1, "left eye")
      assertNear(Self.centroid(face, around: marks.rightEye, radius: 6, pupil), marks.rightEye, within: 1, "right eye")
      // Nostrils (40 % of the skin colour) sit symmetrically on the nose landmark.
      let nostril = { (r: Double, g: Double, b: Double) in r < 0.55 && g < 0.4 }
      assertNear(Self.centroid(face, around: marks.nose, radius: 7, nostril), marks.nose, within: 1, "nose")
      // The dark line between the lips ends at the mouth corners.
      let mid = FacePoint((marks.leftMouth.x + marks.rightMouth.x) / 2, (marks.leftMouth.y + marks.rightMouth.y) / 2)
      // Half-way between the lip colour (sampled inside the upper lip) and the line colour
      // (green 0.08) marks half coverage, i.e. the drawn edge.
      let lipPixel = Self.pixel(face, mid.x, mid.y + 3)
      let mouthLine = { (r: Double, g: Double, b: Double) in g < (lipPixel.1 + 0.08) / 2 }
      let halfSpan = (marks.rightMouth.x - marks.leftMouth.x) / 2
      var points: [FacePoint] = []
      for y in Int(mid.y) - 12...Int(mid.y) + 12 {
        for x in Int(mid.x - halfSpan) - 4...Int(mid.x + halfSpan) + 4 {
          let (r, g, b) = Self.pixel(face, Double(x) + 0.5, Double(y) + 0.5)
          if mouthLine(r, g, b) { points.append(FacePoint(Double(x) + 0.5, Double(y) + 0.5)) }
        }
      }
      // Ends of the line along the mouth direction.
      let ux = (marks.rightMouth.x - marks.leftMouth.x) / (2 * halfSpan)
      let uy = (marks.rightMouth.y - marks.leftMouth.y) / (2 * halfSpan)
      let along = points.map { ($0.x - mid.x) * ux + ($0.y - mid.y) * uy }
      guard let lo = along.min(), let hi = along.max() else { return XCTFail("mouth line not found") }
      let left = points[along.firstIndex(of: lo) ?? 0], right = points[along.firstIndex(of: hi) ?? 0]
      assertNear(left, marks.leftMouth, within: 1, "left mouth corner")
      assertNear(right, marks.rightMouth, within: 1, "right mouth corner")
    }
  }

  func testTruthAtZeroAndOneIsSourceAndGroupSwappedFace() throws {
    let sampler = ToyFaceSampler()
    let renderer = ToyFaceRenderer(width: 89, height: 109)
    let source = sampler.parameters(seed: 5, index: 0)
    let reference = sampler.parameters(seed: 5, index: 1)
    for group in ToyFaceAttribute.modelledGroups {
      XCTAssertTrue(renderer.render(source.moved(toward: reference, group: group, strength: 0)).pixels == renderer.render(source).pixels)
      var swapped = source
      for attribute in ToyFaceAttribute.members(of: group) { swapped[attribute] = reference[attribute] }
      let truth = source.moved(toward: reference, group: group, strength: 1)
      XCTAssertEqual(truth, swapped, group.name)
      XCTAssertTrue(renderer.render(truth).pixels == renderer.render(swapped).pixels, group.name)
      XCTAssertFalse(renderer.render(truth).pixels == renderer.render(source).pixels, group.name)
      // Other groups and the identity are untouched.
      XCTAssertEqual(truth.identity, source.identity)
    }
  }
}
