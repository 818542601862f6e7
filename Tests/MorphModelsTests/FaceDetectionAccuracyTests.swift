import Foundation
import MorphImaging
import XCTest

@testable import MorphModels

/// The detector on a small collage (6 canvases of real and synthetic faces with known boxes and
/// landmarks) and on lfw_subset: bars a broken detector (wrong landmark order, shifted boxes,
/// missed scales, a dead stage) fails. The full 50-canvas figures come from `morph eval detection`.
final class FaceDetectionAccuracyTests: XCTestCase {
  func realFaces() throws -> [AnnotatedFace] {
    try DetectionEvaluation.referenceFaces(
      photos: FaceDetectionFixtures.photos, reference: FaceDetectionFixtures.golden.appendingPathComponent("mtcnn-detections.json"))
  }

  func testSmallCollageRecallFalsePositivesAndLandmarks() throws {
    let detector = try XCTUnwrap(FaceDetectionFixtures.detector)
    let real = try realFaces()
    XCTAssertEqual(real.count, 3)
    var evaluation = DetectionEvaluation()
    evaluation.canvases = 6
    evaluation.seed = 7
    let r = try evaluation.run(detector: detector, realFaces: real, lfw: nil)
    XCTAssertGreaterThanOrEqual(r.faces, 18)
    XCTAssertGreaterThan(r.realFaces, 0)
    XCTAssertGreaterThan(r.syntheticFaces, 0)
    XCTAssertGreaterThanOrEqual(r.recall, 0.9, "\(r)")
    XCTAssertLessThanOrEqual(r.falsePositives, 1, "\(r)")
    XCTAssertLessThanOrEqual(r.landmarkErrorMean, 0.12, "\(r)")
  }

  func testCollageIsDeterministicAndGroundTruthSitsOnTheFaces() throws {
    let real = try realFaces()
    let template = DetectionEvaluation.boxTemplate(real)
    let collage = DetectionCollage()
    let a = collage.canvas(seed: 3, index: 2, real: real) { DetectionEvaluation.syntheticFace(seed: 3, index: $0, template: template) }
    let b = collage.canvas(seed: 3, index: 2, real: real) { DetectionEvaluation.syntheticFace(seed: 3, index: $0, template: template) }
    XCTAssertEqual(a.pixels, b.pixels)
    XCTAssertEqual(a.faces.map(\.box), b.faces.map(\.box))
    for face in a.faces {
      // The landmarks lie inside the box, eyes above the mouth, left eye left.
      for p in face.landmarks.points {
        XCTAssertTrue(p.x > face.box.x0 && p.x < face.box.x1 && p.y > face.box.y0 && p.y < face.box.y1, "\(face)")
      }
      XCTAssertLessThan(face.landmarks.leftEye.x, face.landmarks.rightEye.x)
      XCTAssertLessThan(face.landmarks.leftEye.y, face.landmarks.leftMouth.y)
    }
  }

  func testLFWSubsetFinalStageSplit() throws {
    let url = DetectionEvaluation.debianLFWSubset
    try XCTSkipUnless(
      FileManager.default.fileExists(atPath: url.path), "\(url.path) missing: install python3-skimage to run this test")
    let detector = try XCTUnwrap(FaceDetectionFixtures.detector)
    let split = try DetectionEvaluation().lfwSplit(detector: detector, npy: url)
    XCTAssertEqual(split.faces, 100)
    XCTAssertGreaterThanOrEqual(split.facesAccepted, 90, "\(split)")
    XCTAssertLessThanOrEqual(split.nonFacesAccepted, 10, "\(split)")
  }

  func testLFWReaderRejectsOtherFiles() throws {
    let other = FaceDetectionFixtures.golden.appendingPathComponent("mtcnn-detections.json")
    XCTAssertThrowsError(try LFWSubset.read(other))
  }
}
