import Foundation
import MorphImaging
import XCTest

final class LandmarkFilesTests: XCTestCase {
  func testParsesCelebAList() throws {
    let text = """
      2
      lefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y
      000001.jpg 69  109  106  113   77  142   73  152  108  154
      000002.jpg 69  110  107  112   81  135   70  151  108  153

      """
    let list = try LandmarkFiles.parseCelebAList(text, file: "list.txt")
    XCTAssertEqual(list.count, 2)
    XCTAssertEqual(list["000001.jpg"]?.nose, ImagePoint(x: 77, y: 142))
    XCTAssertEqual(list["000002.jpg"]?.rightMouth, ImagePoint(x: 108, y: 153))
  }

  func testCelebAListErrorsNameFileAndLine() {
    let short = "1\nlefteye_x lefteye_y\n000001.jpg 1 2 3\n"
    XCTAssertThrowsError(try LandmarkFiles.parseCelebAList(short, file: "list.txt")) { error in
      XCTAssertEqual("\(error)", "list.txt:3: expected an image name and 10 numbers, found 4 fields")
    }
    let bad = "000001.jpg 69 109 106 x 77 142 73 152 108 154\n"
    XCTAssertThrowsError(try LandmarkFiles.parseCelebAList(bad, file: "l.txt")) { error in
      XCTAssertTrue("\(error)".hasPrefix("l.txt:1: field righteye_y of 000001.jpg"), "\(error)")
    }
    let twice = "a.jpg 1 2 3 4 5 6 7 8 9 10\na.jpg 1 2 3 4 5 6 7 8 9 10\n"
    XCTAssertThrowsError(try LandmarkFiles.parseCelebAList(twice, file: "l.txt")) { error in
      XCTAssertEqual("\(error)", "l.txt:2: a.jpg is listed twice")
    }
  }

  func testSidecarJSONAndCSVForms() throws {
    let expected = FaceLandmarks.celebaTemplate
    let object = #"{"lefteye": [69, 111], "righteye": [108, 111], "nose": [88, 136], "leftmouth": [72, 152], "right_mouth": [105, 152]}"#
    XCTAssertEqual(try LandmarkFiles.parseJSON(object, file: "f.json"), expected)
    let array = "[[69, 111], [108, 111], [88, 136], [72, 152], [105, 152]]"
    XCTAssertEqual(try LandmarkFiles.parseJSON(array, file: "f.json"), expected)
    let rows = "x,y\n69,111\n108,111\n88,136\n72,152\n105,152\n"
    XCTAssertEqual(try LandmarkFiles.parseCSV(rows, file: "f.csv"), expected)
    let flat = "69,111,108,111,88,136,72,152,105,152"
    XCTAssertEqual(try LandmarkFiles.parseCSV(flat, file: "f.csv"), expected)
  }

  func testSidecarErrorsAreClear() {
    XCTAssertThrowsError(try LandmarkFiles.parseJSON(#"{"lefteye": [1, 2]}"#, file: "f.json")) {
      XCTAssertEqual("\($0)", "f.json: missing key \"righteye\"")
    }
    XCTAssertThrowsError(try LandmarkFiles.parseJSON("[[1, 2]]", file: "f.json")) {
      XCTAssertEqual("\($0)", "f.json: expected 5 [x, y] pairs, found 1")
    }
    XCTAssertThrowsError(try LandmarkFiles.parseJSON("{", file: "f.json")) {
      XCTAssertTrue("\($0)".hasPrefix("f.json: not valid JSON"), "\($0)")
    }
    XCTAssertThrowsError(try LandmarkFiles.parseCSV("1,2\n3,oops\n", file: "f.csv")) {
      XCTAssertEqual("\($0)", "f.csv:2: expected numbers, found \"3,oops\"")
    }
    XCTAssertThrowsError(try LandmarkFiles.parseCSV("1,2\n3,4\n", file: "f.csv")) {
      XCTAssertEqual("\($0)", "f.csv: expected 5 points (10 numbers), found 4 numbers")
    }
  }

  /// A sidecar planted as a link to `/dev/zero` or a FIFO, or one far larger than five points
  /// need, is refused naming it; nothing is read without bound.
  func testSidecarsThatAreNoSmallRegularFilesAreRefused() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sidecars-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let zero = dir.appendingPathComponent("a.landmarks.csv")
    try FileManager.default.createSymbolicLink(atPath: zero.path, withDestinationPath: "/dev/zero")
    let fifo = dir.appendingPathComponent("b.landmarks.json")
    XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
    let big = dir.appendingPathComponent("c.landmarks.csv")
    try Data(repeating: UInt8(ascii: "1"), count: LandmarkFiles.sidecarByteLimit + 1).write(to: big)
    for (url, reason) in [(zero, "not a regular file"), (fifo, "not a regular file"), (big, "more than the")] {
      XCTAssertThrowsError(try LandmarkFiles.readSidecar(url)) { error in
        XCTAssertTrue("\(error)".contains(url.path) && "\(error)".contains(reason), "\(error)")
      }
    }
    XCTAssertThrowsError(try LandmarkFiles.sidecar(forImage: dir.appendingPathComponent("a.jpg")))
  }

  func testFindsSidecarBesideImage() throws {
    let dir = try TestImages.scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let image = dir.appendingPathComponent("face.jpg")
    XCTAssertNil(try LandmarkFiles.sidecar(forImage: image))
    try Data("69,111,108,111,88,136,72,152,105,152".utf8)
      .write(to: dir.appendingPathComponent("face.landmarks.csv"))
    XCTAssertEqual(try LandmarkFiles.sidecar(forImage: image), FaceLandmarks.celebaTemplate)
  }
}
