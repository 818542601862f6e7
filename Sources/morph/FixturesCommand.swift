import ArgumentParser
import Foundation
import MorphImaging
import MorphModels

/// `morph fixtures`: generated data sets for demos, tests and evaluation.
struct FixturesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "fixtures",
    abstract: "Generate fixture data sets.",
    subcommands: [ToyFacesCommand.self])
}

/// `morph fixtures toyfaces`: the synthetic face set with ground truth.
struct ToyFacesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "toyfaces",
    abstract: "Render synthetic faces in CelebA's aligned layout, or ground-truth intermediates.",
    discussion: """
      Without --truth: writes COUNT faces to OUT as img_align_celeba/*.jpg, list_attr_celeba.txt, \
      list_landmarks_align_celeba.txt, list_eval_partition.txt and params.csv.
      With --truth PAIRFILE: reads the set in --data and renders, for each line \
      'source reference group strength [output]', the source face with that group's parameters \
      moved toward the reference's, into OUT (PNG).
      """)

  @Option(help: "Number of faces to render.") var count: Int = 1000
  @Option(help: "Random seed; the same seed gives the same faces.") var seed: UInt64 = 1
  @Option(help: "Output directory.") var out: String
  @Option(help: "Image size WIDTHxHEIGHT.") var size: String = "178x218"
  @Option(help: "Shift faces by up to PX pixels and rotate by up to PX/2 degrees (landmarks follow).")
  var misalign: Double = 0
  @Option(help: "JPEG quality.") var quality: Int = 95
  @Option(help: "Pair file: render ground-truth intermediates instead of a set.") var truth: String?
  @Option(help: "With --truth: the face set whose params.csv the pairs name.") var data: String?

  func run() throws {
    let (width, height) = try Self.parseSize(size)
    let renderer = ToyFaceRenderer(width: width, height: height)
    let outURL = URL(fileURLWithPath: out)
    guard misalign >= 0, misalign <= 40 else { throw ToyFaceError.badOption("--misalign must be in 0...40, got \(misalign)") }
    guard (1...100).contains(quality) else { throw ToyFaceError.badOption("--quality must be in 1...100, got \(quality)") }
    if let truth {
      guard let data else { throw ToyFaceError.badOption("--truth needs --data DIR (the set the pairs refer to)") }
      let records = try ToyFaceSetReader.read(URL(fileURLWithPath: data))
      let byName = Dictionary(records.map { ($0.name, $0.parameters) }, uniquingKeysWith: { a, _ in a })
      let pairs = try ToyFacePairFile.read(URL(fileURLWithPath: truth))
      try FileManager.default.createDirectory(at: outURL, withIntermediateDirectories: true)
      for pair in pairs {
        guard let source = byName[pair.source] else { throw ToyFaceError.unknownFace(file: truth, line: pair.line, name: pair.source) }
        guard let reference = byName[pair.reference] else {
          throw ToyFaceError.unknownFace(file: truth, line: pair.line, name: pair.reference)
        }
        let face = renderer.render(source.moved(toward: reference, group: pair.group, strength: pair.strength))
        try VipsImage(pixels: face.pixels, width: face.width, height: face.height)
          .save(to: outURL.appendingPathComponent(pair.output), quality: quality)
      }
      print("rendered \(pairs.count) ground-truth faces to \(outURL.path)")
      return
    }
    let writer = ToyFaceSetWriter(
      renderer: renderer, sampler: ToyFaceSampler(misalign: misalign), seed: seed, quality: quality)
    let summary = try writer.write(count: count, to: outURL)
    print(
      String(
        format: "rendered %d faces (%dx%d) to %@ in %.2f s (%.0f faces/min)", summary.count, width, height, outURL.path,
        summary.seconds, Double(summary.count) / max(summary.seconds, 1e-6) * 60))
  }

  /// Parses `WIDTHxHEIGHT`.
  static func parseSize(_ text: String) throws -> (Int, Int) {
    let parts = text.lowercased().split(separator: "x")
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (16...4096).contains(w), (16...4096).contains(h) else {
      throw ToyFaceError.badOption("--size must be WIDTHxHEIGHT with sides in 16...4096, got '\(text)'")
    }
    return (w, h)
  }
}
