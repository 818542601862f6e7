import ArgumentParser
import Foundation
import MorphModels

/// `morph eval`: measure translation quality.
struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "eval",
    abstract: "Evaluate translation methods.",
    subcommands: [EvalInterpolationCommand.self, EvalCompareCommand.self, EvalOracleCommand.self, EvalTeacherCommand.self, EvalBranchesCommand.self, EvalDetectionCommand.self, EvalCalibrationCommand.self])
}

/// `morph eval interpolation`: score a method on held-out synthetic pairs against ground truth.
struct EvalInterpolationCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "interpolation",
    abstract: "Score an interpolation method on synthetic face pairs against the true intermediates.",
    discussion: """
      The method under test runs beside two reference methods: identity (output = source, the \
      floor) and truth (the true path, the ceiling the oracle allows). Writes metrics.json, \
      metrics.csv, PNG plots and samples.png to --out, with an oracle also pairs.csv (per pair \
      and method, the attributes not transferred and not preserved at strength 1: the failed \
      edits to look at), and prints a summary.
      """)

  @Option(help: "Method to evaluate: \(BuiltinMethods.names.joined(separator: ", ")).") var model: String
  @Option(help: "Synthetic face set (written by 'morph fixtures toyfaces').") var data: String
  @Option(help: "Number of held-out pairs.") var pairs: Int = 200
  @Option(help: "Comma-separated strengths, rising from 0 to 1.") var strengths: String = "0,0.25,0.5,0.75,1"
  @Option(help: "Image size WIDTHxHEIGHT the faces are rendered at for evaluation.") var size: String = "178x218"
  @Option(help: "Seed for choosing pairs.") var seed: UInt64 = 1
  @Option(help: "Output directory for the report.") var out: String = "out/eval"
  @Option(help: "Number of pairs shown in the sample sheet.") var samples: Int = 4
  @Option(help: "Oracle checkpoint from 'morph train oracle' (without it, oracle metrics are not computed).")
  var oracle: String?
  @Option(help: "Model checkpoint for --model homointerp, homointerp-detail, homointerp-masked, homointerp-redraw or latent-lerp (.safetensors with its .json).")
  var checkpoint: String?
  @OptionGroup var changeMask: ChangeMaskOptions

  func run() throws {
    guard let method = try BuiltinMethods.named(model, checkpoint: checkpoint.map { URL(fileURLWithPath: $0) }, mask: try changeMask.mask(for: model)) else {
      throw ToyFaceError.badOption("unknown --model '\(model)' (known: \(BuiltinMethods.names.joined(separator: ", ")))")
    }
    guard pairs > 0 else { throw ToyFaceError.badOption("--pairs must be positive, got \(pairs)") }
    let values = try EvalStrengths.parse(strengths)
    let (width, height) = try ToyFacesCommand.parseSize(size)
    let renderer = ToyFaceRenderer(width: width, height: height)
    let start = Date()
    let records = try ToyFaceSetReader.read(URL(fileURLWithPath: data))
    let chosen = try EvalPair.select(from: records, count: pairs, seed: seed)
    let judge = try oracle.map { try AttributeOracle.load(URL(fileURLWithPath: $0)) }
    let evaluation = try InterpolationEvaluation(renderer: renderer, strengths: values, oracle: judge, samplePairs: samples)
    let methods = [method, .identity, .truthPath(pairs: chosen, renderer: renderer)].reduce(into: [InterpolationMethod]()) {
      list, m in if !list.contains(where: { $0.name == m.name }) { list.append(m) }
    }
    let run = try evaluation.run(methods: methods, pairs: chosen)
    let report = EvaluationReport(
      data: data, pairs: chosen.count, strengths: values, size: [width, height], oracle: evaluation.oracle?.name,
      methods: run.reports)
    try EvalReportWriter.write(
      report, samples: run.samples, sources: run.sources, references: run.references, to: URL(fileURLWithPath: out))
    print(EvalReportWriter.summary(report), terminator: "")
    if report.oracle != nil { print(EvalReportWriter.groupSummary(report, method: method.name), terminator: "") }
    print(
      String(
        format: "wrote %@/metrics.json, metrics.csv, %@plots, samples.png (%.1f s)", out, oracle == nil ? "" : "pairs.csv, ",
        Date().timeIntervalSince(start)))
  }
}
