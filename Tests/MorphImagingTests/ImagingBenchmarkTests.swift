import Foundation
import MorphImaging
import XCTest

final class ImagingBenchmarkTests: XCTestCase {
  func testRunsOverAFolderAndCountsFailures() throws {
    let dir = try TestImages.scratch()
    defer { try? FileManager.default.removeItem(at: dir) }
    for index in 0..<5 {
      try TestImages.noise(width: 178, height: 218, seed: UInt32(index + 1))
        .save(to: dir.appendingPathComponent(String(format: "%06d.jpg", index)), quality: 90)
    }
    try Data("not a jpeg".utf8).write(to: dir.appendingPathComponent("000005.jpg"))
    try Data("ignored".utf8).write(to: dir.appendingPathComponent("notes.txt"))
    let files = try ImagingBenchmark.images(in: dir)
    XCTAssertEqual(files.map(\.lastPathComponent), (0..<6).map { String(format: "%06d.jpg", $0) })
    let benchmark = ImagingBenchmark(size: 128, workers: 2, batchSize: 4, seed: 0)
    let report = try benchmark.run(files)
    XCTAssertEqual(report.images, 6)
    XCTAssertEqual(report.failed, 1)
    XCTAssertGreaterThan(report.imagesPerSecond, 0)
    XCTAssertGreaterThan(report.peakResidentMegabytes, 0)
    // Same seed, same work: the checksum repeats.
    XCTAssertEqual(try benchmark.run(files).checksum, report.checksum)
    let json = try JSONSerialization.jsonObject(with: Data(report.json.utf8)) as? [String: Any]
    XCTAssertEqual(json?["images"] as? Int, 6)
    XCTAssertEqual(json?["workload"] as? String, "imaging")
    XCTAssertThrowsError(try ImagingBenchmark.images(in: dir.appendingPathComponent("missing")))
  }
}
