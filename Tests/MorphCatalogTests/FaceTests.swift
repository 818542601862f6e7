import Foundation
import GRDB
import MorphCatalog
import XCTest

/// Faces found by a detector: stored per image and face, a photo without faces recorded too,
/// a rescan replacing the last, bad numbers refused.
final class FaceTests: XCTestCase {
  func catalogWithImages(_ n: Int) throws -> (Catalog, [Int64]) {
    let catalog = try Catalog.inMemory()
    var d = DatasetAnnotations(name: "d", kind: "folder", root: "/d")
    d.files = (0..<n).map { "photo\($0).jpg" }
    try catalog.ingest(d)
    return (catalog, try catalog.query("").map(\.id))
  }

  func face(_ k: Int, offset: Double = 0) -> FaceRecord {
    FaceRecord(
      faceIndex: k, x0: 10 + offset, y0: 20, x1: 110.5, y1: 140.25, score: 0.99 - Double(k) / 100,
      landmarks: (0..<10).map { Double($0) * 7.5 + Double(k) + offset })
  }

  func testScansRoundTripIncludingPhotosWithoutFaces() throws {
    let (catalog, ids) = try catalogWithImages(2)
    try catalog.recordFaceScan(FaceScan(imageID: ids[0], detector: "mtcnn", width: 640, height: 480, faces: [face(0), face(1)]))
    try catalog.recordFaceScan(FaceScan(imageID: ids[1], detector: "mtcnn", width: 32, height: 32, faces: []))
    let first = try XCTUnwrap(catalog.faceScan(imageID: ids[0], detector: "mtcnn"))
    XCTAssertEqual(first.faces, [face(0), face(1)])
    XCTAssertEqual(first.width, 640)
    let second = try XCTUnwrap(catalog.faceScan(imageID: ids[1], detector: "mtcnn"))
    XCTAssertEqual(second.faces, [])
    XCTAssertNil(try catalog.faceScan(imageID: ids[1], detector: "other"))
    XCTAssertEqual(try catalog.faceCounts(detector: "mtcnn").map(\.faces), [2, 0])
  }

  func testRescanReplacesTheFacesOfTheSameDetectorOnly() throws {
    let (catalog, ids) = try catalogWithImages(1)
    try catalog.recordFaceScan(FaceScan(imageID: ids[0], detector: "mtcnn", width: 640, height: 480, faces: [face(0), face(1)]))
    try catalog.recordFaceScan(FaceScan(imageID: ids[0], detector: "other", width: 640, height: 480, faces: [face(0)]))
    try catalog.recordFaceScan(
      FaceScan(imageID: ids[0], detector: "mtcnn", width: 640, height: 480, faces: [face(0, offset: 3)]))
    XCTAssertEqual(try catalog.faceScan(imageID: ids[0], detector: "mtcnn")?.faces, [face(0, offset: 3)])
    XCTAssertEqual(try catalog.faceScan(imageID: ids[0], detector: "other")?.faces, [face(0)])
  }

  func testBadNumbersAreRefusedAndNothingIsWritten() throws {
    let (catalog, ids) = try catalogWithImages(1)
    var bad = face(0)
    bad.landmarks = [1, 2, 3]
    XCTAssertThrowsError(
      try catalog.recordFaceScan(FaceScan(imageID: ids[0], detector: "mtcnn", width: 1, height: 1, faces: [bad])))
    bad = face(0)
    bad.score = .nan
    XCTAssertThrowsError(
      try catalog.recordFaceScan(FaceScan(imageID: ids[0], detector: "mtcnn", width: 1, height: 1, faces: [bad])))
    XCTAssertThrowsError(
      try catalog.recordFaceScan(FaceScan(imageID: ids[0], detector: "mtcnn", width: 1, height: 1, faces: [face(0), face(0)])))
    XCTAssertNil(try catalog.faceScan(imageID: ids[0], detector: "mtcnn"))
  }
}
