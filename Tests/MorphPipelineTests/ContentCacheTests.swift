import Foundation
import MorphPipeline
import XCTest

/// The cache reads files from disk: what it reads there sizes nothing before it is checked.
final class ContentCacheTests: XCTestCase {
  func testTensorRoundTripsAndACorruptShapeIsAMiss() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("cache-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: root) }
    let cache = ContentCache(root: root)
    let key = String(repeating: "ab", count: 32)
    try cache.store(.tensor(shape: [2, 1], data: [1, 2]), key: key)
    guard case .tensor(let shape, let data) = cache.load(key) else { return XCTFail("stored tensor not loaded") }
    XCTAssertEqual(shape, [2, 1])
    XCTAssertEqual(data, [1, 2])

    // A shape line whose product overflows (or is negative) is a miss, not a trap.
    let file = try XCTUnwrap(cache.file(for: key))
    for line in ["4294967296,4294967296", "-1,-2"] {
      var bytes = Data((line + "\n").utf8)
      bytes.append(contentsOf: [0, 0, 128, 63, 0, 0, 0, 64])
      try bytes.write(to: file)
      XCTAssertNil(cache.load(key), line)
    }
  }
}
