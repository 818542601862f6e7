import Foundation
import GRDB
import MorphCatalog
import XCTest

/// The CelebA files people actually have: Kaggle's CSV copy, and headers with a typo.
final class CelebALayoutTests: XCTestCase {
  var fixture: CelebAFixture!

  override func setUpWithError() throws { fixture = try CelebAFixture(count: 30, newline: "\n") }
  override func tearDown() { fixture.remove() }

  /// Rewrites the fixture as Kaggle lays it out: CSV tables with an `image_id` header and no
  /// count line, the images in img_align_celeba/img_align_celeba/.
  func kaggleLayout() throws -> URL {
    let root = fixture.root.appendingPathComponent("kaggle")
    let fm = FileManager.default
    try fm.createDirectory(at: root.appendingPathComponent("img_align_celeba"), withIntermediateDirectories: true)
    try fm.copyItem(
      at: fixture.root.appendingPathComponent("img_align_celeba"),
      to: root.appendingPathComponent("img_align_celeba/img_align_celeba"))
    func csv(_ source: String, _ target: String, header: String, counted: Bool) throws {
      var lines = try fixture.lines(source)
      if counted { lines.removeFirst(2) }
      let rows = lines.map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: ",") }
      try ([header] + rows).joined(separator: "\r\n").appending("\r\n").write(
        to: root.appendingPathComponent(target), atomically: true, encoding: .utf8)
    }
    try csv(
      "list_attr_celeba.txt", "list_attr_celeba.csv", header: "image_id," + CelebAFixture.attributeNames.joined(separator: ","),
      counted: true)
    try csv("list_eval_partition.txt", "list_eval_partition.csv", header: "image_id,partition", counted: false)
    try csv(
      "list_landmarks_align_celeba.txt", "list_landmarks_align_celeba.csv",
      header: "image_id," + CelebAFormat.landmarkNames.joined(separator: ","), counted: true)
    try csv("list_bbox_celeba.txt", "list_bbox_celeba.csv", header: "image_id,x_1,y_1,width,height", counted: true)
    return root
  }

  func testKaggleLayoutIngestsLikeThePublishedOne() throws {
    let published = try Catalog.inMemory()
    try published.ingestCelebA(at: fixture.root)
    let kaggle = try Catalog.inMemory()
    let summary = try kaggle.ingestCelebA(at: try kaggleLayout())
    XCTAssertEqual(summary.images, 30)
    XCTAssertEqual(summary.attributes, 40)
    XCTAssertEqual(try kaggle.summary().imagesPerSplit, try published.summary().imagesPerSplit)
    func table(_ catalog: Catalog, _ sql: String) throws -> [String] {
      try catalog.writer.read { db in try Row.fetchAll(db, sql: sql).map { "\($0)" } }
    }
    let values = "SELECT i.content_hash, v.attribute, v.value FROM image_attribute v JOIN image i ON i.id = v.image_id ORDER BY 1, 2"
    XCTAssertEqual(try table(kaggle, values), try table(published, values))
    let landmarks = "SELECT i.content_hash, l.left_eye_x, l.right_mouth_y, l.aligned FROM landmark l JOIN image i ON i.id = l.image_id ORDER BY 1"
    XCTAssertEqual(try table(kaggle, landmarks).count, 30)
    XCTAssertEqual(try table(kaggle, landmarks), try table(published, landmarks))
    let boxes = "SELECT i.content_hash, b.x, b.height FROM bbox b JOIN image i ON i.id = b.image_id ORDER BY 1"
    XCTAssertEqual(try table(kaggle, boxes), try table(published, boxes))
    XCTAssertEqual(try kaggle.resolveImage("000007.jpg").path, "img_align_celeba/img_align_celeba/000007.jpg")
  }

  func testKaggleErrorsNameTheFileAndLine() throws {
    let root = try kaggleLayout()
    let url = root.appendingPathComponent("list_eval_partition.csv")
    var text = try String(contentsOf: url, encoding: .utf8)
    text = text.replacingOccurrences(of: "000004.jpg,0", with: "000004.jpg,7")
    try text.write(to: url, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try Catalog.inMemory().ingestCelebA(at: root)) { error in
      XCTAssertTrue("\(error)".contains("list_eval_partition.csv:5"), "\(error)")
    }
  }

  func testMisspeltAttributeHeaderIsRefusedWithASuggestion() throws {
    try fixture.replaceLine(
      "list_attr_celeba.txt", 1,
      with: CelebAFixture.attributeNames.map { $0 == "Smiling" ? "Smilling" : $0 }.joined(separator: " "))
    XCTAssertThrowsError(try Catalog.inMemory().ingestCelebA(at: fixture.root)) { error in
      XCTAssertEqual(
        "\(error)",
        "list_attr_celeba.txt:2: Smilling: not a CelebA attribute; did you mean Smiling? "
          + "(to ingest labels of your own in the CelebA layout, use --extra-attributes)")
    }
    // On purpose: accepted as an attribute of its own.
    let catalog = try Catalog.inMemory()
    try catalog.ingestCelebA(at: fixture.root, extraAttributes: true)
    XCTAssertTrue(try catalog.attributeNames(dataset: "celeba").contains("Smilling"))
  }
}
