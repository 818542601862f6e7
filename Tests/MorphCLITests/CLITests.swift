import Foundation
import XCTest

/// Runs the built `morph` executable as a user would.
final class CLITests: XCTestCase {
  func testHelpListsTheCommand() throws {
    let result = try MorphProcess.run(["--help"])
    XCTAssertEqual(result.status, 0)
    XCTAssertTrue(result.stdout.contains("USAGE: morph"), result.stdout)
  }
}

/// Locates and runs the `morph` binary built next to the test bundle.
enum MorphProcess {
  struct Result {
    var status: Int32
    var stdout: String
    var stderr: String
  }

  static var packageRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
      .deletingLastPathComponent()
  }

  static var binary: URL {
    // The test bundle sits in the same build products folder as the executable
    // (on Linux the bundle URL is that folder; on macOS it is the .xctest inside it).
    let bundle = Bundle(for: CLIAnchor.self).bundleURL
    let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("morph") }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
  }

  /// Runs `morph` to the end; `environment` adds variables to the test's own.
  static func run(_ arguments: [String], cwd: URL? = nil, environment: [String: String] = [:]) throws -> Result {
    try execute(binary, arguments, cwd: cwd ?? packageRoot, environment: environment)
  }

  /// Runs any executable to the end, collecting both streams; `environment` adds variables to
  /// the test's own.
  static func execute(_ executable: URL, _ arguments: [String], cwd: URL, environment: [String: String] = [:]) throws -> Result {
    let process = Process()
    process.executableURL = executable
    process.arguments = arguments
    process.currentDirectoryURL = cwd
    if !environment.isEmpty {
      process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }
}

final class CLIAnchor {}
