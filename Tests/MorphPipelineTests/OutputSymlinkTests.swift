import MorphImaging
import MorphPipeline
import XCTest

/// A run's outputs replace whatever sits at their names, symlinks included, and never write
/// through them (issue 40: `crops/000001.png → ../victim.txt` overwrote the victim).
final class OutputSymlinkTests: XCTestCase {
  var folder: URL!

  override func setUp() { folder = temporaryFolder(self) }

  /// Plants `name` as a symlink to a fresh victim file; returns the victim.
  func plant(_ name: String, victim: String) throws -> URL {
    let link = folder.appendingPathComponent(name)
    try FileManager.default.createDirectory(at: link.deletingLastPathComponent(), withIntermediateDirectories: true)
    let target = folder.appendingPathComponent(victim)
    try Data("precious \(victim)\n".utf8).write(to: target)
    try FileManager.default.createSymbolicLink(atPath: link.path, withDestinationPath: target.path)
    return target
  }

  func assertReplaced(_ name: String, victim: URL, file: StaticString = #filePath, line: UInt = #line) throws {
    let url = folder.appendingPathComponent(name)
    let attributes = try FileManager.default.attributesOfItem(atPath: url.path)
    XCTAssertEqual(attributes[.type] as? FileAttributeType, .typeRegular, "\(name) is still a link", file: file, line: line)
    XCTAssertEqual(
      try String(contentsOf: victim, encoding: .utf8), "precious \(victim.lastPathComponent)\n",
      "the link's target was written", file: file, line: line)
    XCTAssertNoThrow(try VipsImage.load(url), file: file, line: line)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: url.deletingLastPathComponent().path)
      .filter { $0.hasSuffix(".tmp") }
    XCTAssertEqual(leftovers, [], "temporary files left behind", file: file, line: line)
  }

  func testSaveAndAnimateReplacePlantedSymlinksAndLeaveTheirTargets() async throws {
    let faces = folder.appendingPathComponent("faces")
    try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
    for n in 0..<2 {
      let pixels = (0..<(30 * 30 * 3)).map { UInt8(($0 * (n + 3)) % 256) }
      try VipsImage(pixels: pixels, width: 30, height: 30).save(to: faces.appendingPathComponent("face\(n).png"))
    }
    let crop = try plant("out/crops/face1.png", victim: "victim.txt")
    let movie = try plant("out/anim.gif", victim: "victim-gif.txt")
    let yaml = """
      stages:
        - { id: photos, uses: load, with: { folder: faces } }
        - { id: crop, uses: align, from: photos, with: { size: 24 } }
        - { id: crops, uses: save, from: crop, with: { folder: out/crops } }
        - { id: movie, uses: animate, from: crop, with: { path: out/anim.gif, delay_ms: 50 } }
      """
    let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "s.yaml"))
    let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    XCTAssertEqual(report.status, .succeeded, report.summary)
    try assertReplaced("out/crops/face1.png", victim: crop)
    try assertReplaced("out/anim.gif", victim: movie)
  }

  func testAtomicFileReplacesALinkAndNamesTheFileWhenItCannotWrite() throws {
    let victim = try plant("out/data.json", victim: "victim.json")
    try AtomicFile.write("{}", to: folder.appendingPathComponent("out/data.json"))
    XCTAssertEqual(try String(contentsOf: folder.appendingPathComponent("out/data.json"), encoding: .utf8), "{}")
    XCTAssertEqual(try String(contentsOf: victim, encoding: .utf8), "precious victim.json\n")
    let nowhere = folder.appendingPathComponent("missing/data.json")
    XCTAssertThrowsError(try AtomicFile.write("{}", to: nowhere)) { error in
      XCTAssertTrue("\(error)".hasPrefix("cannot write \(nowhere.path): "), "\(error)")
    }
  }
}
