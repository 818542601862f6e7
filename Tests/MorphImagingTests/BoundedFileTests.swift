import Foundation
import MorphImaging
import XCTest

final class BoundedFileTests: XCTestCase {
  var dir: URL!

  override func setUpWithError() throws { dir = try TestImages.scratch() }
  override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

  private func refusal(_ url: URL, limit: Int = 1 << 20) -> String? {
    do {
      _ = try BoundedFile.read(url, limit: limit)
      return nil
    } catch { return "\(error)" }
  }

  func testReadsARegularFileWholeAndFollowsALinkToOne() throws {
    let file = dir.appendingPathComponent("t.txt")
    let bytes = Data((0..<70_000).map { UInt8($0 % 251) })
    try bytes.write(to: file)
    XCTAssertEqual(try BoundedFile.read(file, limit: bytes.count), bytes)
    let link = dir.appendingPathComponent("link.txt")
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: file.path)
    XCTAssertEqual(try BoundedFile.read(link, limit: bytes.count), bytes)
    let empty = dir.appendingPathComponent("empty.txt")
    try Data().write(to: empty)
    XCTAssertEqual(try BoundedFile.read(empty, limit: 0), Data())
  }

  func testRefusesDevicesFIFOsFoldersMissingAndOversizedFiles() throws {
    let zero = dir.appendingPathComponent("zero")
    try FileManager.default.createSymbolicLink(atPath: zero.path, withDestinationPath: "/dev/zero")
    let fifo = dir.appendingPathComponent("fifo")
    XCTAssertEqual(mkfifo(fifo.path, 0o600), 0)
    let big = dir.appendingPathComponent("big")
    try Data(count: 1001).write(to: big)
    XCTAssertEqual(refusal(zero), "is not a regular file (a device, FIFO or socket)")
    XCTAssertEqual(refusal(fifo), "is not a regular file (a device, FIFO or socket)")
    XCTAssertEqual(refusal(dir), "is a folder, not a file")
    XCTAssertEqual(refusal(big, limit: 1000), "is 1001 bytes, more than the 1000 this kind of file may have")
    XCTAssertEqual(refusal(dir.appendingPathComponent("nope")), "cannot open: No such file or directory")
    XCTAssertNil(refusal(big, limit: 1001))
  }

  func testTextMustBeUTF8() throws {
    let file = dir.appendingPathComponent("latin1.txt")
    try Data([0x63, 0x61, 0x66, 0xE9]).write(to: file)
    XCTAssertThrowsError(try BoundedFile.text(file, limit: 10)) { XCTAssertEqual("\($0)", "is not UTF-8 text") }
  }
}
