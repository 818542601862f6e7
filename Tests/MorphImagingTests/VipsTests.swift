import MorphImaging
import XCTest

final class VipsTests: XCTestCase {
  func testInitialises() throws { try Vips.ensureInitialised() }

  func testOrcVectorisationIsOff() throws {
    try Vips.ensureInitialised()
    XCTAssertFalse(Vips.vectorised, "libvips' Orc code generator crashed a test process; Morph runs without it")
  }
}
