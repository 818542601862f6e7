import Foundation
import XCTest

/// `morph import state-dict` as a user runs it, on the PyTorch fixtures.
final class ImportStateDictCLITests: XCTestCase {
  let fixtures = MorphProcess.packageRoot.appendingPathComponent("Fixtures/torch")

  func testImportsBothFormatsAndRefusesAHostileFile() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("morph-import-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var written: [Data] = []
    for (name, format) in [("state-zip.pth", "zip"), ("state-legacy.pth", "legacy")] {
      let out = dir.appendingPathComponent("\(format).safetensors")
      let result = try MorphProcess.run(["import", "state-dict", fixtures.appendingPathComponent(name).path, "--out", out.path])
      XCTAssertEqual(result.status, 0, result.stderr)
      // 20 tensors in state_dict, 7 in the module's, nested.inner.w (counts from expected.json).
      XCTAssertTrue(result.stdout.contains("read 28 tensors, 566 parameters"), result.stdout)
      XCTAssertTrue(result.stdout.contains("(\(format) format)"), result.stdout)
      XCTAssertTrue(result.stdout.contains("6 other values kept as metadata"), result.stdout)
      written.append(try Data(contentsOf: out))
      // Only the output is left in the folder: the write went through a renamed temporary file.
      XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }, [])
    }
    // Both formats give the same tensors, so the files differ only in their headers' metadata.
    let headerLength = { (d: Data) -> Int in d.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) } }
    let header = { (d: Data) -> [String: Any] in
      (try? JSONSerialization.jsonObject(with: d.subdata(in: 8..<(8 + headerLength(d))))) as? [String: Any] ?? [:]
    }
    let (zip, legacy) = (header(written[0]), header(written[1]))
    XCTAssertEqual(Set(zip.keys), Set(legacy.keys))
    XCTAssertEqual((zip["__metadata__"] as? [String: String])?["torch.epoch"], "7")
    XCTAssertEqual((legacy["__metadata__"] as? [String: String])?["torch_format"], "legacy")
    XCTAssertEqual(written[0].suffix(from: 8 + headerLength(written[0])), written[1].suffix(from: 8 + headerLength(written[1])))
    XCTAssertEqual(written[0].count - 8 - headerLength(written[0]), 566 * 4)

    let hostile = try MorphProcess.run([
      "import", "state-dict", fixtures.appendingPathComponent("os-system.pth").path, "--out",
      dir.appendingPathComponent("evil.safetensors").path,
    ])
    XCTAssertNotEqual(hostile.status, 0)
    XCTAssertTrue(hostile.stderr.contains("os-system.pth") && hostile.stderr.contains("'posix.system' is not allowed"), hostile.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: dir.appendingPathComponent("evil.safetensors").path))
  }
}
