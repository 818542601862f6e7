import Foundation
import MorphImaging
import XCTest

final class ContactSheetTests: XCTestCase {
  private func solid(_ value: UInt8, size: Int = 20) throws -> VipsImage {
    try VipsImage(pixels: [UInt8](repeating: value, count: size * size * 3), width: size, height: size)
  }

  func testPlacesTilesAndDrawsLabels() throws {
    let tiles: [VipsImage?] = try [solid(10), solid(60), nil, solid(110), solid(160), solid(210)]
    let unlabelled = try ContactSheet(rows: 2, columns: 3, gap: 4).render(tiles)
    XCTAssertEqual([unlabelled.width, unlabelled.height], [4 + 3 * 24, 4 + 2 * 24])
    let pixels = try unlabelled.pixels()
    func at(_ x: Int, _ y: Int) -> UInt8 { pixels[(y * unlabelled.width + x) * 3] }
    XCTAssertEqual(at(4 + 10, 4 + 10), 10)  // row 0, column 0
    XCTAssertEqual(at(4 + 24 + 10, 4 + 10), 60)  // row 0, column 1
    XCTAssertEqual(at(4 + 48 + 10, 4 + 10), 255)  // empty cell stays background
    XCTAssertEqual(at(4 + 48 + 10, 4 + 24 + 10), 210)  // row 1, column 2

    let sheet = ContactSheet(
      rows: 2, columns: 3, rowLabels: ["Smiling", "Male"], columnLabels: ["0", "0.5", "1"],
      title: "strength sweep")
    let labelled = try sheet.render(tiles)
    XCTAssertGreaterThan(labelled.width, unlabelled.width)
    XCTAssertGreaterThan(labelled.height, unlabelled.height)
    // Labels put dark ink left of and above the grid; the grid itself is unchanged.
    let lp = try labelled.pixels()
    let gridLeft = labelled.width - 3 * 24
    let gridTop = labelled.height - 2 * 24
    let leftStrip = (0..<labelled.height).flatMap { y in (0..<(gridLeft - 4)).map { lp[(y * labelled.width + $0) * 3] } }
    XCTAssertLessThan(leftStrip.min() ?? 255, 128, "row labels should draw dark text")
    let topStrip = (0..<(gridTop - 4)).flatMap { y in (gridLeft..<labelled.width).map { lp[(y * labelled.width + $0) * 3] } }
    XCTAssertLessThan(topStrip.min() ?? 255, 128, "column labels should draw dark text")
    XCTAssertEqual(lp[((gridTop + 10) * labelled.width + gridLeft + 10) * 3], 10)
  }

  func testCentresSmallerTilesAndSavesPNG() throws {
    let sheet = try ContactSheet(rows: 1, columns: 2, gap: 0).render([solid(0, size: 10), solid(100, size: 30)])
    XCTAssertEqual([sheet.width, sheet.height], [60, 30])
    let pixels = try sheet.pixels()
    XCTAssertEqual(pixels[(15 * 60 + 15) * 3], 0)  // small tile centred in a 30 cell
    XCTAssertEqual(pixels[(1 * 60 + 1) * 3], 255)
    let dir = try TestImages.scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("sheet.png")
    try sheet.save(to: url)
    XCTAssertEqual(try ImageLoader().load(url).pixels(), pixels)
  }

  func testRejectsWrongTileCounts() throws {
    XCTAssertThrowsError(try ContactSheet(rows: 2, columns: 2).render([try solid(1)]))
    XCTAssertThrowsError(
      try ContactSheet(rows: 1, columns: 1, rowLabels: ["a", "b"]).render([try solid(1)]))
  }
}
