import Foundation
import XCTest

/// Every command in README.md's `sh` blocks, run as written and in order, in a fresh folder that
/// holds what a reader would have: the repository's `pipelines/` and `Fixtures/`, and small
/// stand-ins for the reader's own files (`my-photos/`, `faces/`, `data/celeba` …).
///
/// Two kinds of line do not run exactly as written, and each is listed here with its reason:
/// `make` targets (CI itself runs `make test`; `make demo` builds the release binary, and the two
/// recipes it runs are run here and in PipelineCLITests), and sizes that would take minutes
/// (`--count 2000` faces, thousands of training steps), which run scaled down. A README line
/// that stops matching its substitution fails the test, so the list cannot go stale.
final class ReadmeCommandsTests: XCTestCase {
  /// README text → what runs instead, and why.
  static let substitutions: [(readme: String, replacement: String, reason: String)] = [
    ("--count 2000", "--count 120", "rendering 2,000 faces takes about a minute"),
    ("--count 16000", "--count 120", "rendering 16,000 faces takes about a minute"),
    ("pipelines/train-demo.yaml", "pipelines/train-demo.yaml" + tinyPhases, "the demo's 98,000 training steps take about 8 hours"),
    ("pipelines/train-celeba-64.yaml", "pipelines/train-celeba-64.yaml" + tinyPhases, "its 98,000 steps take days on 2 cores"),
    ("--out grown.safetensors", "--out grown.safetensors --steps 3 --batch 4", "300 branch steps take minutes"),
  ]
  /// A step or two per phase of the training recipes, on a tiny model.
  static let tinyPhases = [
    "judge=2", "warmup=1", "coarse=1", "fine=1", "decoder=1", "edits=1", "polish_edits=1", "polish_pixels=1", "judge_steps=1",
    "sample_every=0", "log_every=0", "train.width=0.0625", "train.batch=2", "train.decoder_min_channels=0",
  ].map { " --set \($0)" }.joined()
  static let skipped: [(readme: String, reason: String)] = [
    ("make demo", "builds the release binary; its recipes run in this test and in PipelineCLITests"),
    ("make test", "CI runs it: this test is part of it"),
    ("morph serve --catalog .morph/catalog.sqlite",
     "a server runs until it is stopped; ServeBrowserTests starts `morph serve` on a free port, drives it in Chromium and stops it"),
  ]

  func testEveryReadmeCommandRunsInOrder() throws {
    let root = MorphProcess.packageRoot
    let readme = try String(contentsOf: root.appendingPathComponent("README.md"), encoding: .utf8)
    let commands = ReadmeShell.commands(inMarkdown: readme)
    XCTAssertGreaterThan(commands.count, 20, "README's sh blocks: \(commands)")

    let folder = try makeReaderFolder(root: root)
    addTeardownBlock { try? FileManager.default.removeItem(at: folder) }

    var used = Set<String>()
    var ran = 0
    for command in commands {
      if let skip = Self.skipped.first(where: { command == $0.readme }) {
        used.insert(skip.readme)
        continue
      }
      var line = command
      for substitution in Self.substitutions where line.contains(substitution.readme) {
        line = line.replacingOccurrences(of: substitution.readme, with: substitution.replacement)
        used.insert(substitution.readme)
      }
      let result = try ReadmeShell.run(line, in: folder)
      XCTAssertEqual(result.status, 0, "README command failed: \(line)\n\(result.stderr)\n\(result.stdout)")
      if result.status != 0 { return }
      ran += 1
    }
    for stale in Self.substitutions.map(\.readme) + Self.skipped.map(\.readme) where !used.contains(stale) {
      XCTFail("README no longer has `\(stale)`: remove it from ReadmeCommandsTests' list")
    }
    XCTAssertEqual(ran + Self.skipped.count, commands.count)
  }

  /// The parser keeps what a shell would run: comments and blank lines go, continuations join.
  func testShellBlocksAreParsedAsAShellWould() {
    let markdown = """
      text `not code`
      ```sh
      morph a --x "quoted # not a comment"   # a comment
      # a whole-line comment

      morph b \\
        --long
      ```
      ```yaml
      not: shell
      ```
      """
    XCTAssertEqual(ReadmeShell.commands(inMarkdown: markdown), ["morph a --x \"quoted # not a comment\"", "morph b --long"])
  }

  // MARK: - The reader's folder

  /// The repository's recipes and fixtures, plus small stand-ins for the files the README's
  /// commands name as the reader's own.
  func makeReaderFolder(root: URL) throws -> URL {
    let fm = FileManager.default
    let folder = fm.temporaryDirectory.appendingPathComponent("morph-readme-\(UUID().uuidString)")
    try fm.createDirectory(at: folder, withIntermediateDirectories: true)
    for name in ["pipelines", "Fixtures"] {
      try fm.createSymbolicLink(at: folder.appendingPathComponent(name), withDestinationURL: root.appendingPathComponent(name))
    }
    func copy(_ from: String, _ files: [String], to: String) throws {
      let target = folder.appendingPathComponent(to)
      try fm.createDirectory(at: target, withIntermediateDirectories: true)
      for file in files {
        try fm.copyItem(at: root.appendingPathComponent(from).appendingPathComponent(file), to: target.appendingPathComponent(file))
      }
    }
    let photos = try fm.contentsOfDirectory(atPath: root.appendingPathComponent("Fixtures/photos").path)
      .filter { $0.hasSuffix(".jpg") || $0.hasSuffix(".png") }.sorted()
    try copy("Fixtures/photos", photos, to: "my-photos")
    let checkpoint = try fm.contentsOfDirectory(atPath: root.appendingPathComponent("Fixtures/homointerpgan/zip").path)
    try copy("Fixtures/homointerpgan/zip", checkpoint, to: "path/to/checkpoints")
    let faces = try fm.contentsOfDirectory(atPath: root.appendingPathComponent("Fixtures/faces/img_align_celeba").path).sorted()
    try copy("Fixtures/faces/img_align_celeba", faces, to: "faces")
    try copy("Fixtures/faces/img_align_celeba", Array(faces.prefix(2)), to: "a")
    try fm.copyItem(
      at: root.appendingPathComponent("Fixtures/faces/img_align_celeba").appendingPathComponent(faces[2]),
      to: folder.appendingPathComponent("b.jpg"))
    // `catalog ingest folder photos/ --attributes labels.csv`: a folder and a CSV of labels.
    try copy("Fixtures/faces/img_align_celeba", faces, to: "photos")
    let labels = ["file,Smiling,Eyeglasses,Freckles"] + faces.enumerated().map { "\($1),\($0 % 2 == 0 ? 1 : -1),-1,\($0 % 3 == 0 ? 1 : -1)" }
    try (labels.joined(separator: "\n") + "\n").write(to: folder.appendingPathComponent("labels.csv"), atomically: true, encoding: .utf8)
    // "your trained model" (`morph train branch --checkpoint model.safetensors`): the demo's.
    for ext in ["safetensors", "json"] {
      try fm.copyItem(
        at: root.appendingPathComponent("Fixtures/models/homointerp-demo.\(ext)"), to: folder.appendingPathComponent("model.\(ext)"))
    }
    // A labelled set in the CelebA layout, large enough for `catalog nearest … 000123.jpg`.
    let rendered = try ReadmeShell.run("morph fixtures toyfaces --count 130 --out data/celeba", in: folder)
    XCTAssertEqual(rendered.status, 0, rendered.stderr)
    return folder
  }
}

/// The `sh` blocks of a Markdown file as a shell would see them, and a way to run one line.
enum ReadmeShell {
  static func commands(inMarkdown text: String) -> [String] {
    var commands: [String] = []
    var inShell = false
    var pending = ""
    for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
      let line = String(raw)
      if line.hasPrefix("```") {
        inShell = !inShell && line.trimmingCharacters(in: .whitespaces) == "```sh"
        continue
      }
      guard inShell else { continue }
      let code = withoutComment(line).trimmingCharacters(in: .whitespaces)
      if code.hasSuffix("\\") {
        pending += String(code.dropLast()).trimmingCharacters(in: .whitespaces) + " "
        continue
      }
      let whole = (pending + code).trimmingCharacters(in: .whitespaces)
      pending = ""
      if !whole.isEmpty { commands.append(whole) }
    }
    return commands
  }

  /// The line up to a `#` that starts a shell comment: outside quotes, at the start or after a blank.
  static func withoutComment(_ line: String) -> String {
    var quote: Character?
    var previous: Character = " "
    var result = ""
    for character in line {
      if let open = quote {
        if character == open { quote = nil }
      } else if character == "\"" || character == "'" {
        quote = character
      } else if character == "#" && previous.isWhitespace {
        break
      }
      result.append(character)
      previous = character
    }
    return result
  }

  /// Runs `line` with `/bin/sh` in `folder`, with the built `morph` first on the PATH.
  static func run(_ line: String, in folder: URL) throws -> MorphProcess.Result {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/sh")
    process.arguments = ["-c", line]
    process.currentDirectoryURL = folder
    var environment = ProcessInfo.processInfo.environment
    environment["PATH"] = MorphProcess.binary.deletingLastPathComponent().path + ":" + (environment["PATH"] ?? "/usr/bin:/bin")
    process.environment = environment
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    // Read stderr on another thread so that neither pipe fills while the other is drained.
    let errBox = DataBox()
    let reader = Thread { errBox.data = err.fileHandleForReading.readDataToEndOfFile() }
    reader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errBox.done { usleep(1000) }
    return MorphProcess.Result(
      status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errBox.data, as: UTF8.self))
  }

  final class DataBox: @unchecked Sendable {
    private let lock = NSLock()
    private var value = Data()
    private var finished = false
    var data: Data {
      get { lock.withLock { value } }
      set { lock.withLock { value = newValue; finished = true } }
    }
    var done: Bool { lock.withLock { finished } }
  }
}
