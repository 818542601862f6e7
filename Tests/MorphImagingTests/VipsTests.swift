import MorphImaging
import XCTest

final class VipsTests: XCTestCase {
  func testInitialises() throws { try Vips.ensureInitialised() }
}
