import Crypto
import Foundation
import GRDB
import MorphCatalog
import XCTest

final class CelebAIngestTests: XCTestCase {
  var fixture: CelebAFixture!

  override func setUpWithError() throws { fixture = try CelebAFixture(count: 60) }
  override func tearDown() { fixture.remove() }

  func testIngestStoresCountsValuesLandmarksSplitsAndGroups() throws {
    let catalog = try Catalog.inMemory()
    let summary = try catalog.ingestCelebA(at: fixture.root)
    XCTAssertEqual(summary.images, 60)
    XCTAssertEqual(summary.attributes, 40)
    XCTAssertEqual(summary.added, 60)

    let stats = try catalog.summary()
    XCTAssertEqual(stats.datasets, ["celeba": 60])
    XCTAssertEqual(stats.imagesPerSplit["train"], (0..<60).filter { CelebAFixture.split($0) == 0 }.count)
    XCTAssertEqual(stats.imagesPerSplit["val"], 6)
    XCTAssertEqual(stats.imagesPerSplit["test"], 6)
    XCTAssertEqual(try catalog.attributeNames(dataset: "celeba"), CelebAFixture.attributeNames)

    // Every value of every image, through the unpacking view.
    let values = try catalog.writer.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT i.path, v.attribute, v.value FROM image_attribute v JOIN image i ON i.id = v.image_id
          """)
    }
    XCTAssertEqual(values.count, 60 * 40)
    let column = Dictionary(uniqueKeysWithValues: CelebAFixture.attributeNames.enumerated().map { ($1, $0) })
    for row in values {
      let path: String = row[0]
      let i = Int(path.dropFirst("img_align_celeba/".count).prefix(6))! - 1
      XCTAssertEqual(row[2] as Int, CelebAFixture.value(i, column[row[1] as String]!), "\(path) \(row[1] as String)")
    }

    // Landmarks, identity, bbox and hash of one image.
    let image = try catalog.resolveImage("000007.jpg")
    XCTAssertEqual(image.path, "img_align_celeba/000007.jpg")
    XCTAssertEqual(image.identity, 1000 + 6 / 3)
    XCTAssertEqual(image.contentHash, SHA256.hex(Data("image 6".utf8)))
    XCTAssertEqual(image.split, ["train", "val", "test"][CelebAFixture.split(6)])
    let landmark = try catalog.writer.read { db in
      try Row.fetchOne(db, sql: "SELECT * FROM landmark WHERE image_id = ?", arguments: [image.id])!
    }
    XCTAssertEqual(landmark["aligned"] as Bool, true)
    XCTAssertEqual(landmark["left_eye_x"] as Double, Double(CelebAFixture.landmarks(6)[0]))
    XCTAssertEqual(landmark["right_mouth_y"] as Double, Double(CelebAFixture.landmarks(6)[9]))
    let box = try catalog.writer.read {
      try Row.fetchOne($0, sql: "SELECT * FROM bbox WHERE image_id = ?", arguments: [image.id])!
    }
    XCTAssertEqual(box["x"] as Double, 96)

    // The nine default groups are there and usable.
    let groups = try catalog.attributeGroups()
    XCTAssertEqual(groups.count, 9)
    XCTAssertEqual(
      groups[2],
      CatalogAttributeGroup(name: "hair_color", attributes: ["Black_Hair", "Blond_Hair", "Brown_Hair", "Gray_Hair"]))
    XCTAssertEqual(try catalog.attributes().first { $0.name == "Smiling" }?.groups, ["expression"])

    // Per-split stats agree with the generator.
    let smilingTrain = try catalog.attributeStats().first { $0.attribute == "Smiling" && $0.split == "train" }
    let a = column["Smiling"]!
    let trainIDs = (0..<60).filter { CelebAFixture.split($0) == 0 }
    XCTAssertEqual(smilingTrain?.known, trainIDs.count)
    XCTAssertEqual(smilingTrain?.positive, trainIDs.filter { CelebAFixture.value($0, a) == 1 }.count)
  }

  func testReIngestIsIdempotentAndKeepsIDs() throws {
    let catalog = try Catalog.inMemory()
    try catalog.ingestCelebA(at: fixture.root)
    let before = try catalog.query("")
    let dump = {
      try catalog.writer.read {
        try Row.fetchAll($0, sql: "SELECT * FROM image_attribute ORDER BY image_id, attribute_id")
      }
    }
    let wordsBefore = try dump()
    let summary = try catalog.ingestCelebA(at: fixture.root)
    XCTAssertEqual(summary.added, 0)
    XCTAssertEqual(summary.updated, 60)
    XCTAssertEqual(summary.removed, 0)
    XCTAssertEqual(try catalog.query(""), before)
    XCTAssertEqual(try dump(), wordsBefore)
    XCTAssertEqual(try catalog.summary().images, 60)
  }

  /// A folder a recipe already ingested under its own name (`celeba-1a2b3c4d`) and then
  /// ingested by the user as `celeba` is one dataset, so its paths stay unambiguous.
  func testSameFolderUnderAnotherNameIsOneDataset() throws {
    let catalog = try Catalog.inMemory()
    let first = try catalog.ingestCelebA(at: fixture.root, name: "celeba-1a2b3c4d")
    let ids = try catalog.query("").map(\.id)
    let second = try catalog.ingestCelebA(at: fixture.root)
    XCTAssertEqual(second.datasetID, first.datasetID)
    XCTAssertEqual(second.added, 0)
    XCTAssertEqual(try catalog.summary().images, 60)
    XCTAssertEqual(try catalog.query("").map(\.id), ids)
    let names = try catalog.writer.read { try String.fetchAll($0, sql: "SELECT name FROM dataset") }
    XCTAssertEqual(names, ["celeba"])
    let path = fixture.root.appendingPathComponent("img_align_celeba/000007.jpg").path
    XCTAssertEqual(try catalog.resolveImage(path).path, "img_align_celeba/000007.jpg")
  }

  /// Two folders ingested under the same (default) name are two datasets: the second never
  /// re-points the first's row, which would delete its images.
  func testSecondFolderUnderATakenNameGetsItsOwnDataset() throws {
    let catalog = try Catalog.inMemory()
    let first = try catalog.ingestCelebA(at: fixture.root)
    let other = try CelebAFixture(count: 12)
    defer { other.remove() }
    let second = try catalog.ingestCelebA(at: other.root)
    XCTAssertNotEqual(second.datasetID, first.datasetID)
    XCTAssertTrue(second.dataset.hasPrefix("celeba-"), second.dataset)
    XCTAssertEqual(try catalog.summary().images, 72)
    // Ingesting either again finds its own row.
    XCTAssertEqual(try catalog.ingestCelebA(at: fixture.root).datasetID, first.datasetID)
    XCTAssertEqual(try catalog.ingestCelebA(at: other.root).datasetID, second.datasetID)
    XCTAssertEqual(try catalog.summary().images, 72)
  }

  func testAcceptsUnixNewlinesAndOfficialSubfolders() throws {
    let unix = try CelebAFixture(count: 5, newline: "\n")
    defer { unix.remove() }
    let fm = FileManager.default
    try fm.createDirectory(at: unix.root.appendingPathComponent("Anno"), withIntermediateDirectories: true)
    try fm.createDirectory(at: unix.root.appendingPathComponent("Eval"), withIntermediateDirectories: true)
    try fm.createDirectory(at: unix.root.appendingPathComponent("Img"), withIntermediateDirectories: true)
    try fm.moveItem(
      at: unix.root.appendingPathComponent("list_attr_celeba.txt"),
      to: unix.root.appendingPathComponent("Anno/list_attr_celeba.txt"))
    try fm.moveItem(
      at: unix.root.appendingPathComponent("list_eval_partition.txt"),
      to: unix.root.appendingPathComponent("Eval/list_eval_partition.txt"))
    try fm.moveItem(
      at: unix.root.appendingPathComponent("img_align_celeba"),
      to: unix.root.appendingPathComponent("Img/img_align_celeba"))
    let catalog = try Catalog.inMemory()
    XCTAssertEqual(try catalog.ingestCelebA(at: unix.root).images, 5)
    XCTAssertEqual(try catalog.query("split = test").count, 0)
    XCTAssertEqual(try catalog.resolveImage("000002.jpg").path, "Img/img_align_celeba/000002.jpg")
  }

  func testAnnotationsOnlySkipsImages() throws {
    let bare = try CelebAFixture(count: 8, images: false)
    defer { bare.remove() }
    let catalog = try Catalog.inMemory()
    XCTAssertThrowsError(try catalog.ingestCelebA(at: bare.root)) { error in
      XCTAssertTrue("\(error)".contains("unknown file 000001.jpg"), "\(error)")
    }
    XCTAssertEqual(try catalog.ingestCelebA(at: bare.root, annotationsOnly: true).images, 8)
    XCTAssertNil(try catalog.resolveImage("000001.jpg").contentHash)
  }

  func testAddingImagesAfterAnAnnotationsOnlyIngestKeepsIDs() throws {
    let catalog = try Catalog.inMemory()
    try catalog.ingestCelebA(at: fixture.root, annotationsOnly: true)
    let before = try catalog.query("")
    XCTAssertEqual(before.first?.path, "img_align_celeba/000001.jpg")
    XCTAssertEqual(before.first?.absolutePath, fixture.root.path + "/img_align_celeba/000001.jpg")
    let summary = try catalog.ingestCelebA(at: fixture.root)
    XCTAssertEqual([summary.added, summary.updated, summary.removed], [0, 60, 0])
    let after = try catalog.query("")
    XCTAssertEqual(after.map(\.id), before.map(\.id))
    XCTAssertEqual(after.first?.contentHash, SHA256.hex(Data("image 0".utf8)))
  }

  // MARK: - Malformed input: one error naming file and line, nothing committed

  /// Ingests a valid fixture first, breaks the files, and checks the error and that the
  /// catalog is byte-for-byte what it was.
  func assertRejected(
    _ expected: String, file: StaticString = #filePath, line: UInt = #line, breaking: (CelebAFixture) throws -> Void
  ) throws {
    let catalog = try Catalog.inMemory()
    let other = try CelebAFixture(count: 4)
    defer { other.remove() }
    try catalog.ingestCelebA(at: other.root, name: "before")
    let snapshot = try dumpAll(catalog)
    let broken = try CelebAFixture(count: 30)
    defer { broken.remove() }
    try breaking(broken)
    XCTAssertThrowsError(try catalog.ingestCelebA(at: broken.root), file: file, line: line) { error in
      XCTAssertEqual("\(error)", expected, file: file, line: line)
    }
    XCTAssertEqual(try dumpAll(catalog), snapshot, "catalog changed by a failed ingest", file: file, line: line)
  }

  func dumpAll(_ catalog: Catalog) throws -> [String] {
    try catalog.writer.read { db in
      var out = [String]()
      for table in ["dataset", "image", "attribute", "dataset_attribute", "image_attribute_word", "landmark", "bbox"] {
        out += try Row.fetchAll(db, sql: "SELECT * FROM \(table) ORDER BY 1, 2").map { "\(table) \($0)" }
      }
      return out
    }
  }

  func testWrongColumnCount() throws {
    try assertRejected("list_attr_celeba.txt:7: expected 41 columns (file name + 40 attributes), found 40") { f in
      var row = try f.lines("list_attr_celeba.txt")[6].split(separator: " ").map(String.init)
      row.removeLast()
      try f.replaceLine("list_attr_celeba.txt", 6, with: row.joined(separator: " "))
    }
  }

  func testBadValue() throws {
    try assertRejected("list_attr_celeba.txt:4: 000002.jpg: value of Attractive must be 1, -1 or 0, found \"2\"") { f in
      var row = try f.lines("list_attr_celeba.txt")[3].split(separator: " ").map(String.init)
      row[3] = "2"
      try f.replaceLine("list_attr_celeba.txt", 3, with: row.joined(separator: " "))
    }
  }

  func testDuplicateFile() throws {
    try assertRejected("list_attr_celeba.txt:10: 000005.jpg listed twice (first on line 7)") { f in
      let lines = try f.lines("list_attr_celeba.txt")
      let row = lines[9].replacingOccurrences(of: "000008.jpg", with: "000005.jpg")
      try f.replaceLine("list_attr_celeba.txt", 9, with: row)
    }
  }

  func testDuplicateInPartition() throws {
    try assertRejected("list_eval_partition.txt:3: 000001.jpg listed twice (first on line 1)") { f in
      try f.replaceLine("list_eval_partition.txt", 2, with: "000001.jpg 0")
    }
  }

  func testUnknownFileInLandmarks() throws {
    try assertRejected("list_landmarks_align_celeba.txt:5: unknown file 999999.jpg (not in list_attr_celeba.txt)") {
      f in
      let row = try f.lines("list_landmarks_align_celeba.txt")[4].replacingOccurrences(
        of: "000003.jpg", with: "999999.jpg")
      try f.replaceLine("list_landmarks_align_celeba.txt", 4, with: row)
    }
  }

  func testUnknownImageFile() throws {
    try assertRejected("list_attr_celeba.txt:12: unknown file 000010.jpg (not in img_align_celeba/)") { f in
      try FileManager.default.removeItem(at: f.root.appendingPathComponent("img_align_celeba/000010.jpg"))
    }
  }

  func testTruncatedAttributeFile() throws {
    try assertRejected("list_attr_celeba.txt:23: truncated: the count line announces 30 rows, found 20") { f in
      try f.write("list_attr_celeba.txt", Array(try f.lines("list_attr_celeba.txt").prefix(22)))
    }
  }

  func testTruncatedMidLine() throws {
    try assertRejected("list_landmarks_align_celeba.txt:32: expected 11 columns (file name + 10), found 4") { f in
      let lines = try f.lines("list_landmarks_align_celeba.txt")
      let cut = lines[31].split(separator: " ").prefix(4).joined(separator: " ")
      let text = (lines.prefix(31) + [cut]).joined(separator: "\r\n")
      try Data(text.utf8).write(to: f.root.appendingPathComponent("list_landmarks_align_celeba.txt"))
    }
  }

  func testTruncatedPartitionFile() throws {
    try assertRejected(
      "list_eval_partition.txt:26: truncated: 5 images of list_attr_celeba.txt are missing (first: 000026.jpg)"
    ) { f in
      try f.write("list_eval_partition.txt", Array(try f.lines("list_eval_partition.txt").prefix(25)))
    }
  }

  func testBadPartitionCode() throws {
    try assertRejected(
      "list_eval_partition.txt:2: 000002.jpg: value must be 0 (train), 1 (val) or 2 (test), found \"5\""
    ) { f in
      try f.replaceLine("list_eval_partition.txt", 1, with: "000002.jpg 5")
    }
  }

  func testBadIdentityAndLandmarkValues() throws {
    try assertRejected(
      "identity_CelebA.txt:4: 000004.jpg: value must be an identity number from 0 to 16777215, found \"1e30\""
    ) { f in
      try f.replaceLine("identity_CelebA.txt", 3, with: "000004.jpg 1e30")
    }
    try assertRejected("list_landmarks_align_celeba.txt:3: 000001.jpg: column 3 must be a number, found \"nan\"") { f in
      try f.replaceLine("list_landmarks_align_celeba.txt", 2, with: "000001.jpg 1 nan 3 4 5 6 7 8 9 10")
    }
  }

  func testBadCountLine() throws {
    try assertRejected("list_attr_celeba.txt:1: expected the image count on the first line, found \"lots\"") { f in
      try f.replaceLine("list_attr_celeba.txt", 0, with: "lots")
    }
  }

  /// A count line past what the file can hold is a `file:1` error before anything is reserved
  /// for it (it used to abort the process: "failed to allocate 34359738400 bytes").
  func testAbsurdCountLineIsAnErrorNotAnAbort() throws {
    for count in ["2147483648", "1000000000000000"] {
      for file in ["list_attr_celeba.txt", "list_landmarks_align_celeba.txt"] {
        let broken = try CelebAFixture(count: 30)
        defer { broken.remove() }
        try broken.replaceLine(file, 0, with: count)
        let size = try Data(contentsOf: broken.root.appendingPathComponent(file)).count
        XCTAssertThrowsError(try Catalog.inMemory().ingestCelebA(at: broken.root)) { error in
          XCTAssertEqual(
            "\(error)",
            "\(file):1: the count line announces \(count) rows, more than this \(size)-byte file can hold "
              + "(at most \(size / 2)); fix the count or the file")
        }
      }
    }
  }

  /// A table planted as a link to a device or as a FIFO is refused by name, not read forever
  /// (`/dev/zero`) or waited on (a FIFO with no writer).
  func testTablesThatAreNoRegularFilesAreRefusedByName() throws {
    for (file, plant) in [("list_attr_celeba.txt", "zero"), ("list_landmarks_align_celeba.txt", "fifo"), ("list_eval_partition.txt", "zero")] {
      let planted = try CelebAFixture(count: 12)
      defer { planted.remove() }
      let url = planted.root.appendingPathComponent(file)
      try FileManager.default.removeItem(at: url)
      if plant == "zero" {
        try FileManager.default.createSymbolicLink(atPath: url.path, withDestinationPath: "/dev/zero")
      } else {
        XCTAssertEqual(mkfifo(url.path, 0o600), 0)
      }
      XCTAssertThrowsError(try Catalog.inMemory().ingestCelebA(at: planted.root), file) { error in
        XCTAssertTrue("\(error)".contains(file) && "\(error)".contains("not a regular file"), "\(error)")
      }
    }
  }

  func testMissingAttributeFile() throws {
    let catalog = try Catalog.inMemory()
    try FileManager.default.removeItem(at: fixture.root.appendingPathComponent("list_attr_celeba.txt"))
    XCTAssertThrowsError(try catalog.ingestCelebA(at: fixture.root)) { error in
      XCTAssertTrue("\(error)".contains("missing list_attr_celeba.txt"), "\(error)")
    }
  }
}
