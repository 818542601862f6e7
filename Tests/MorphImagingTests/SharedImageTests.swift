import Foundation
import XCTest

@testable import MorphImaging

/// libvips hands every thread the same image object for the same operation (its operation
/// cache: the same label text, the same crop), so an image Morph reads from must never be
/// changed by the reading. Drawing used to render a lazy source into memory in place, clearing
/// its generate function while another thread was computing it: an intermittent SIGSEGV in a
/// "libvips worker" thread (bench/stages.sh crashed in about 1 of 5 runs).
final class SharedImageTests: XCTestCase {
  private func memoryTile(_ value: UInt8, size: Int) throws -> VipsImage {
    try VipsImage(pixels: (0..<(size * size * 3)).map { UInt8(truncatingIfNeeded: Int(value) + $0 % 7) },
      width: size, height: size)
  }

  func testDrawingLeavesALazySourceLazy() throws {
    let tile = try memoryTile(40, size: 32).crop(left: 4, top: 4, width: 20, height: 20)
    XCTAssertTrue(tile.isLazy, "precondition: a crop is computed on demand")
    guard let label = try TextMask.render("lazy label", font: "sans 10", width: 120) else {
      return XCTFail("no text mask")
    }
    let mask = try label.crop(left: 0, top: 0, width: label.width, height: label.height)
    XCTAssertTrue(mask.isLazy, "precondition: a crop of the label is computed on demand")

    let canvas = try VipsImage(pixels: [UInt8](repeating: 255, count: 160 * 60 * 3), width: 160, height: 60)
      .materialised()
    try canvas.draw(tile, x: 2, y: 2)
    try canvas.draw(mask: mask, ink: [0, 0, 0], x: 30, y: 2)
    XCTAssertTrue(tile.isLazy, "drawing a tile must not turn it into a memory image in place")
    XCTAssertTrue(mask.isLazy, "drawing a mask must not turn it into a memory image in place")
    // And the drawing happened: the tile's pixels and dark ink are on the canvas.
    let pixels = try canvas.pixels()
    XCTAssertEqual(Array(pixels[(2 * 160 + 2) * 3..<(2 * 160 + 2) * 3 + 3]), Array(try tile.pixels()[0..<3]))
    XCTAssertLessThan(pixels.min() ?? 255, 64)
  }

  func testSheetsWithTheSameLabelsRenderedConcurrentlyMatchOneRenderedAlone() throws {
    let shared = try memoryTile(90, size: 48)
    let rounds = 12
    let threads = 8
    for round in 0..<rounds {
      // Fresh label text and a fresh lazy tile each round: every thread meets them
      // uncomputed, from the operation cache, at about the same moment.
      let sheet = ContactSheet(
        rows: 1, columns: 2, rowLabels: ["row \(round)"], columnLabels: ["a \(round)", "b \(round)"],
        title: "round \(round)")
      let tile = try shared.crop(left: round % 8, top: 3, width: 32, height: 32)
      let results = UnsafeMutableBufferPointer<[UInt8]?>.allocate(capacity: threads)
      results.initialize(repeating: nil)
      defer { results.deallocate() }
      let errors = NSLock()
      var failures: [String] = []
      DispatchQueue.concurrentPerform(iterations: threads) { index in
        do {
          results[index] = try sheet.render([tile, tile]).pixels()
        } catch {
          errors.lock()
          failures.append("\(error)")
          errors.unlock()
        }
      }
      XCTAssertEqual(failures, [])
      let alone = try sheet.render([try memoryTile(90, size: 48).crop(left: round % 8, top: 3, width: 32, height: 32), tile])
        .pixels()
      for index in 0..<threads { XCTAssertEqual(results[index], alone, "round \(round), thread \(index)") }
    }
  }
}
