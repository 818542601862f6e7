import Foundation
import XCTest

@testable import MorphModels

/// Writing and reading a synthetic set in CelebA's layout; pair files.
final class ToyFaceSetTests: XCTestCase {
  func testWrittenSetHasCelebALayoutAndReadsBack() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toyfaces-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let sampler = ToyFaceSampler(misalign: 4)
    let writer = ToyFaceSetWriter(renderer: ToyFaceRenderer(width: 45, height: 55), sampler: sampler, seed: 9)
    try writer.write(count: 10, to: dir)
    for i in 0..<10 {
      XCTAssertTrue(FileManager.default.fileExists(atPath: dir.appendingPathComponent("img_align_celeba/\(ToyFaceSetWriter.imageName(i))").path))
    }
    let attr = try String(contentsOf: dir.appendingPathComponent("list_attr_celeba.txt"), encoding: .utf8)
      .split(separator: "\n").map(String.init)
    XCTAssertEqual(attr[0], "10")
    XCTAssertEqual(attr[1].split(separator: " ").map(String.init), CelebAAttributeNames.all)
    XCTAssertEqual(attr.count, 12)
    let records = try ToyFaceSetReader.read(dir)
    XCTAssertEqual(records.count, 10)
    for (i, record) in records.enumerated() {
      let p = sampler.parameters(seed: 9, index: i)
      XCTAssertEqual(record.name, "\(String(format: "%06d", i + 1)).jpg")
      for (a, b) in zip(record.parameters.attributes + record.parameters.identity.values, p.attributes + p.identity.values) {
        XCTAssertEqual(a, b, accuracy: 1e-6)
      }
      let row = attr[i + 2].split(separator: " ").map(String.init)
      XCTAssertEqual(row[0], record.name)
      XCTAssertEqual(row.dropFirst().compactMap { Int($0) }, p.celebALabels)
      XCTAssertEqual(record.partition, ToyFaceSetWriter.partition(i, of: 10))
    }
    let marks = try String(contentsOf: dir.appendingPathComponent("list_landmarks_align_celeba.txt"), encoding: .utf8)
      .split(separator: "\n")
    XCTAssertEqual(marks[2].split(separator: " ").count, 11)
  }

  func testBadParamsFileNamesLineAndField() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("toyfaces-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let header = (["image"] + ToyFaceIdentity.fieldNames + ToyFaceAttribute.allCases.map(\.rawValue)).joined(separator: ",")
    let count = ToyFaceIdentity.fieldNames.count + ToyFaceAttribute.allCases.count
    var fields = [String](repeating: "0.5", count: count)
    fields[2] = "oops"
    try (header + "\n000001.jpg," + fields.joined(separator: ",") + "\n").write(
      to: dir.appendingPathComponent("params.csv"), atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try ToyFaceSetReader.read(dir)) { error in
      let text = "\(error)"
      XCTAssertTrue(text.contains("params.csv:2"), text)
      XCTAssertTrue(text.contains("skin_tone"), text)
    }
  }

  func testPairFileParsingAndErrors() throws {
    let pairs = try ToyFacePairFile.parse("# comment\n000001.jpg 000002.jpg expression 0.5\n000001.jpg,000003.jpg,age,1,out.png\n", file: "p.txt")
    XCTAssertEqual(pairs.count, 2)
    XCTAssertEqual(pairs[0].group.name, "expression")
    XCTAssertEqual(pairs[0].output, "truth_0002.png")
    XCTAssertEqual(pairs[1].output, "out.png")
    XCTAssertThrowsError(try ToyFacePairFile.parse("a b nosuchgroup 0.5\n", file: "p.txt")) { error in
      XCTAssertEqual(error as? ToyFaceError, .unknownGroup(file: "p.txt", line: 1, name: "nosuchgroup"))
    }
    XCTAssertThrowsError(try ToyFacePairFile.parse("a b age x\n", file: "p.txt")) { error in
      XCTAssertTrue("\(error)".contains("p.txt:1"))
    }
  }
}
