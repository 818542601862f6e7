import Foundation
import XCTest

/// A corrupt image gets one clear line from Morph, not a page of libvips' own warnings.
final class VipsWarningsCLITests: XCTestCase {
  func testCorruptJPEGIsOneLineWithoutLibvipsWarnings() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vips-warnings-\(UUID())")
    let input = dir.appendingPathComponent("in")
    try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    let faces = MorphProcess.packageRoot.appendingPathComponent("Fixtures/faces/img_align_celeba")
    try FileManager.default.copyItem(at: faces.appendingPathComponent("000001.jpg"), to: input.appendingPathComponent("good.jpg"))
    // Cut short inside the scan data: libvips decodes what there is and warns once per tile.
    let whole = try Data(contentsOf: faces.appendingPathComponent("000002.jpg"))
    try whole.prefix(3000).write(to: input.appendingPathComponent("broken.jpg"))
    let recipe = MorphProcess.packageRoot.appendingPathComponent("pipelines/demo.yaml").path

    let quiet = try MorphProcess.run(["run", recipe, "--set", "input=in", "--no-progress"], cwd: dir)
    XCTAssertEqual(quiet.status, 1, quiet.stderr)
    let all = quiet.stdout + quiet.stderr
    XCTAssertFalse(all.contains("VIPS-WARNING"), all)
    let lines = all.split(separator: "\n").filter { $0.contains("broken.jpg") }
    XCTAssertEqual(lines.count, 1, "one line for the broken file: \(all)")

    try FileManager.default.removeItem(at: dir.appendingPathComponent(".morph"))
    let verbose = try MorphProcess.run(["run", recipe, "--set", "input=in", "--no-progress", "--verbose"], cwd: dir)
    XCTAssertTrue(verbose.stderr.contains("VIPS-WARNING"), "--verbose shows libvips' warnings: \(verbose.stderr)")
  }
}
