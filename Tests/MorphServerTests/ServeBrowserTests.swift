import Foundation
import MorphImaging
import XCTest

#if canImport(Glibc)
  import Glibc
#endif

/// End to end: `morph serve` on a free port, its editor driven in headless Chromium
/// (scripts/serve_browser.py, over the DevTools protocol), a slider dragged with the mouse, and
/// the image the page then shows compared with what `morph run` — homointerp.interpolate +
/// homointerp.decode — writes for the same strengths: the same pixels. Screenshots of both
/// pages go to .build/test-artifacts/serve/.
///
/// Needs Debian's `chromium` (scripts/setup installs it); without it the test is skipped and says so.
final class ServeBrowserTests: XCTestCase {
  static var packageRoot: URL { ServeFixture.packageRoot }

  static var morphBinary: URL {
    let bundle = Bundle(for: ServeBrowserTests.self).bundleURL
    let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("morph") }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
  }

  static func executable(_ name: String) -> String? {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return (path.split(separator: ":").map(String.init) + ["/usr/bin"])
      .map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
  }

  /// Runs a program to its end; returns status, stdout, stderr. (The programs bound their own
  /// time: the browser driver gives up after its --timeout.)
  @discardableResult
  static func run(_ program: String, _ arguments: [String]) throws -> (Int32, String, String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: program)
    process.arguments = arguments
    process.currentDirectoryURL = packageRoot
    let errors = FileManager.default.temporaryDirectory.appendingPathComponent("morph-e2e-\(UUID().uuidString).err")
    FileManager.default.createFile(atPath: errors.path, contents: nil)
    defer { try? FileManager.default.removeItem(at: errors) }
    let out = Pipe()
    process.standardOutput = out
    process.standardError = try FileHandle(forWritingTo: errors)
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    let errText = (try? String(contentsOf: errors, encoding: .utf8)) ?? ""
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), errText)
  }

  func testSliderInChromiumRedrawsTheSamePixelsAsInterpolateAndDecode() throws {
    guard let chromium = Self.executable("chromium") ?? Self.executable("chromium-browser") else {
      throw XCTSkip("chromium is not installed: `scripts/setup` (run by `make test`) installs Debian's chromium for this test")
    }
    let python = FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") ? "/usr/bin/python3" : (Self.executable("python3") ?? "python3")
    let fm = FileManager.default
    let root = fm.temporaryDirectory.appendingPathComponent("morph-serve-e2e-\(UUID().uuidString)")
    defer { try? fm.removeItem(at: root) }
    let faces = root.appendingPathComponent("faces")
    try fm.createDirectory(at: faces, withIntermediateDirectories: true)
    for name in ["000001.jpg", "000002.jpg"] {
      try fm.copyItem(
        at: Self.packageRoot.appendingPathComponent("Fixtures/faces/img_align_celeba/\(name)"), to: faces.appendingPathComponent(name))
    }
    let catalog = root.appendingPathComponent("catalog.sqlite")
    let morph = Self.morphBinary.path

    // A catalog with images, latents, a run, its metrics and artifacts, for the catalog page.
    // (--no-cache: with outputs cached from an earlier run, encode would not store latents.)
    let (prepared, _, prepareErrors) = try Self.run(
      morph,
      ["run", "pipelines/translate-folder.yaml", "--set", "input=\(faces.path)", "--set", "output=\(root.path)/pre",
       "--catalog", catalog.path, "--no-progress", "--no-cache"])
    XCTAssertEqual(prepared, 0, prepareErrors)

    // The server, on a port the system picks; its first line names the URL.
    let log = root.appendingPathComponent("serve.log")
    fm.createFile(atPath: log.path, contents: nil)
    let server = Process()
    server.executableURL = Self.morphBinary
    server.arguments = [
      "serve", "--port", "0", "--faces", faces.path, "--catalog", catalog.path, "--output", root.appendingPathComponent("serve").path,
    ]
    server.currentDirectoryURL = Self.packageRoot
    server.standardOutput = try FileHandle(forWritingTo: log)
    server.standardError = FileHandle.nullDevice
    try server.run()
    defer {
      server.terminate()
      let stopped = Date().addingTimeInterval(10)
      while server.isRunning, Date() < stopped { usleep(50_000) }
      if server.isRunning { kill(server.processIdentifier, SIGKILL) }
    }
    var url: String?
    let started = Date()
    while url == nil, Date().timeIntervalSince(started) < 180, server.isRunning {
      let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
      if let line = text.split(separator: "\n").first(where: { $0.contains("listening on http://") }),
        let range = line.range(of: #"http://[^ ]+/"#, options: .regularExpression)
      {
        url = String(line[range])
      }
      usleep(100_000)
    }
    let address = try XCTUnwrap(url, "morph serve did not start: \((try? String(contentsOf: log, encoding: .utf8)) ?? "")")

    // The browser: pick a face and a reference, drag a slider, screenshots, hostile requests.
    let artifacts = Self.packageRoot.appendingPathComponent(".build/test-artifacts/serve")
    let (status, output, errors) = try Self.run(
      python,
      ["scripts/serve_browser.py", "--url", address, "--artifacts", artifacts.path, "--chromium", chromium, "--timeout", "120"])
    let result = try XCTUnwrap(
      try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "driver said: \(output) \(errors)")
    XCTAssertEqual(status, 0, "\(result["error"] ?? errors)")
    guard status == 0 else { return }

    let before = try Self.pixels(try XCTUnwrap(result["before"] as? String))
    let after = try Self.pixels(try XCTUnwrap(result["after"] as? String))
    XCTAssertNotEqual(before, after, "moving the slider must redraw the face")
    let strengths = try XCTUnwrap(result["strengths"] as? [String: Double])
    let group = try XCTUnwrap(result["group"] as? String)
    XCTAssertGreaterThan(strengths[group] ?? 0, 0, "the drag moved \(group)")
    XCTAssertGreaterThan(result["moves"] as? Int ?? 0, 1)

    // The same edit through the pipeline: the command the page offers, run as it is (computed
    // anew, not taken from the cache).
    let arguments = try XCTUnwrap(result["arguments"] as? [String])
    XCTAssertEqual(Array(arguments.prefix(2)), ["morph", "run"])
    XCTAssertTrue(arguments.contains("strength.\(group)=\(Float(strengths[group] ?? 0))"), "\(arguments)")
    let output2 = root.appendingPathComponent("command")
    let (ran, _, runErrors) = try Self.run(
      morph,
      Array(arguments.dropFirst()) + ["--set", "output=\(output2.path)", "--catalog", root.appendingPathComponent("command.sqlite").path, "--no-progress",
        "--no-cache"])
    XCTAssertEqual(ran, 0, runErrors)
    let pipeline = try ImageLoader().load(output2.appendingPathComponent("edited/000001.png")).pixels()
    XCTAssertEqual(pipeline.count, after.count)
    XCTAssertTrue(pipeline == after, "the page's image differs from homointerp.interpolate + decode in \(zip(pipeline, after).filter { $0 != $1 }.count) values")

    // The catalog page showed images, neighbours and a run.
    XCTAssertEqual(result["catalog_results"] as? Int, 2)
    XCTAssertGreaterThanOrEqual(result["nearest"] as? Int ?? 0, 1)
    XCTAssertEqual(result["face_nearest"] as? Int, 2, "both catalog images are neighbours of the editor's face")
    XCTAssertGreaterThan(result["metrics"] as? Int ?? 0, 0)
    XCTAssertGreaterThan(result["artifact_images"] as? Int ?? 0, 0)
    for shot in ["editor.png", "catalog.png"] {
      let size = (try? fm.attributesOfItem(atPath: artifacts.appendingPathComponent(shot).path)[.size] as? NSNumber)?.intValue ?? 0
      XCTAssertGreaterThan(size, 10_000, shot)
    }

    // Over the socket: hostile requests get a 4xx with a message, and the server still answers.
    let checks = try XCTUnwrap(result["socket"] as? [[String: Any]])
    for check in checks.dropLast() {
      let code = check["status"] as? Int ?? 0
      XCTAssertTrue((400..<500).contains(code), "\(check)")
      XCTAssertEqual(check["leak"] as? Bool, false, "\(check)")
      XCTAssertTrue((check["message"] as? String ?? "").contains("\"error\""), "\(check)")
    }
    XCTAssertEqual(checks.last?["status"] as? Int, 200, "the server keeps serving")
  }

  /// Pixels of a base64 PNG, through the pipeline's loader.
  static func pixels(_ base64: String) throws -> [UInt8] {
    try MorphServerTests.pixels(try XCTUnwrap(Data(base64Encoded: base64)))
  }
}
