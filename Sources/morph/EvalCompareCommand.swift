import ArgumentParser
import Foundation
import MorphImaging
import MorphModels

/// `morph eval compare`: several methods on the same held-out pairs through the same harness.
struct EvalCompareCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "compare",
    abstract: "Compare interpolation methods on the same synthetic pairs: one table and one figure.",
    discussion: """
      Runs every method of --methods (plus the identity floor and the true path) on the same \
      held-out pairs and strengths, and writes to --out: comparison.md and comparison.json (one \
      row per method: edit success, transfer, preservation, linearity, reach, smoothness, \
      reconstruction, truth distance), comparison.png (rows = methods, columns = strengths, for \
      the same pairs), and the harness's metrics.json/csv and plots. Methods backed by a model \
      need its checkpoint: cyclegan needs --cyclegan (one or more translators, chained). With \
      cyclegan and no --groups, pairs are drawn from the groups its translators cover.
      """)

  @Option(help: "Comma-separated methods (known: \(CompareMethods.names.joined(separator: ", "))).")
  var methods: String = "pixel-lerp,cyclegan"
  @Option(help: "Synthetic face set (written by 'morph fixtures toyfaces').") var data: String
  @Option(help: "Oracle checkpoint from 'morph train oracle' (without it, oracle metrics are not computed).")
  var oracle: String?
  @Option(help: "Number of held-out pairs.") var pairs: Int = 200
  @Option(help: "Comma-separated attribute groups the pairs are edited in ('all' for every group).") var groups: String?
  @Option(help: "Comma-separated strengths, rising from 0 to 1.") var strengths: String = "0,0.25,0.5,0.75,1"
  @Option(help: "Image size WIDTHxHEIGHT the faces are rendered at for evaluation.") var size: String = "178x218"
  @Option(help: "Seed for choosing pairs.") var seed: UInt64 = 1
  @Option(help: "Output directory.") var out: String = "out/compare"
  @Option(help: "Number of pairs shown in the figure.") var samples: Int = 3
  @Option(help: "CycleGAN translator checkpoints from 'morph train cyclegan', comma-separated (applied as a chain).")
  var cyclegan: String?
  @Option(help: "HomoInterp checkpoint for the homointerp and latent-lerp methods.") var checkpoint: String?
  @OptionGroup var changeMask: ChangeMaskOptions

  func run() throws {
    let names = methods.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    guard !names.isEmpty else { throw ToyFaceError.badOption("--methods is empty") }
    guard pairs > 0 else { throw ToyFaceError.badOption("--pairs must be positive, got \(pairs)") }
    let values = try EvalStrengths.parse(strengths)
    // Refuse before any work: unknown names and methods whose checkpoint is missing.
    var masks: [String: ChangeMask] = [:]
    for name in names { masks[name] = try changeMask.mask(for: name) }
    let factory = CompareMethods(
      cyclegan: cyclegan.map { $0.split(separator: ",").map { URL(fileURLWithPath: String($0)) } },
      checkpoint: checkpoint.map { URL(fileURLWithPath: $0) }, masks: masks)
    try factory.check(names)
    let translators = names.contains("cyclegan") ? try factory.translators() : []

    var chosenGroups: [String] = []
    if let groups, groups != "all" {
      chosenGroups = groups.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
    } else if groups == nil && !translators.isEmpty {
      chosenGroups = ToyFaceAttribute.modelledGroups.filter { g in translators.contains { $0.config.split.concerns(g) } }.map(\.name)
      print("pairs edited in \(chosenGroups.joined(separator: ", ")) (the groups the CycleGAN translators cover; --groups all for every group)")
    }

    let (width, height) = try ToyFacesCommand.parseSize(size)
    let renderer = ToyFaceRenderer(width: width, height: height)
    let start = Date()
    let records = try ToyFaceSetReader.read(URL(fileURLWithPath: data))
    let chosen = try EvalPair.select(from: records, count: pairs, seed: seed, groups: chosenGroups)
    guard !chosen.isEmpty else { throw ToyFaceError.badOption("no pairs could be formed in groups \(chosenGroups)") }
    let judge = try oracle.map { try AttributeOracle.load(URL(fileURLWithPath: $0)) }
    let evaluation = try InterpolationEvaluation(renderer: renderer, strengths: values, oracle: judge, samplePairs: samples)

    var list: [InterpolationMethod] = []
    for name in names + ["identity", "truth"] where !list.contains(where: { $0.name == name }) {
      list.append(try factory.method(name, pairs: chosen, renderer: renderer, translators: translators))
    }
    let run = try evaluation.run(methods: list, pairs: chosen)
    let report = EvaluationReport(
      data: data, pairs: chosen.count, strengths: values, size: [width, height], oracle: evaluation.oracle?.name,
      methods: run.reports)
    let directory = URL(fileURLWithPath: out)
    try EvalReportWriter.write(report, samples: run.samples, sources: run.sources, references: run.references, to: directory)
    let table = ComparisonTable(report: report, groups: chosenGroups)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(encoder.encode(table), to: directory.appendingPathComponent("comparison.json"))
    try AtomicFile.write(table.markdown, to: directory.appendingPathComponent("comparison.md"))
    try ComparisonFigure.write(
      methods: list.map(\.name), strengths: values, samples: run.samples, sources: run.sources, references: run.references,
      to: directory.appendingPathComponent("comparison.png"))
    print(table.markdown, terminator: "")
    print(String(format: "wrote %@/comparison.md, comparison.json, comparison.png, metrics.json (%.1f s)", out, Date().timeIntervalSince(start)))
  }
}

/// Builds the methods `morph eval compare` knows, refusing those whose checkpoint is missing.
struct CompareMethods {
  static let names = BuiltinMethods.names + ["cyclegan", "truth"]
  var cyclegan: [URL]?
  var checkpoint: URL?
  /// The change mask of a method by name (absent: the method's own default).
  var masks: [String: ChangeMask] = [:]

  func check(_ names: [String]) throws {
    for name in names {
      guard Self.names.contains(name) else {
        throw ToyFaceError.badOption("unknown method '\(name)' (known: \(Self.names.joined(separator: ", ")))")
      }
      if BuiltinMethods.needingCheckpoint.contains(name) && checkpoint == nil {
        throw ToyFaceError.badOption("method '\(name)' needs --checkpoint PATH (a HomoInterp checkpoint from 'morph train homointerp')")
      }
      if name == "cyclegan" && (cyclegan ?? []).isEmpty {
        throw ToyFaceError.badOption(
          "method 'cyclegan' needs --cyclegan PATH[,PATH…] (translator checkpoints from 'morph train cyclegan')")
      }
    }
  }

  func translators() throws -> [CycleGANModel] {
    try (cyclegan ?? []).map { try CycleGANModel.load(from: $0) }
  }

  func method(_ name: String, pairs: [EvalPair], renderer: ToyFaceRenderer, translators: [CycleGANModel]) throws -> InterpolationMethod {
    switch name {
    case "cyclegan": return try .cycleGAN(translators: translators, pairs: pairs)
    case "truth": return .truthPath(pairs: pairs, renderer: renderer)
    default:
      guard let method = try BuiltinMethods.named(name, checkpoint: checkpoint, mask: masks[name]) else {
        throw ToyFaceError.badOption("unknown method '\(name)'")
      }
      return method
    }
  }
}
