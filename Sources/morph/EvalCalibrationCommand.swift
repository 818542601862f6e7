import ArgumentParser
import Foundation
import MorphModels

/// `morph eval calibration`: how close calibrated strengths (`strength.GROUP: p=T`) land.
struct EvalCalibrationCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "calibration",
    abstract: "Score calibrated strengths (p=T) on synthetic pairs with the oracle, and time them.",
    discussion: """
      For each group, --pairs held-out pairs edited in that group are drawn from --data (seeded \
      by --seed, the pairs 'morph eval interpolation' draws). For every target of --targets the \
      strength is solved per face (the judge: the critic's heads on the latent, or the oracle \
      on the decoded edit), and the oracle reads the decoded edit pasted into the source's \
      frame. Prints, per group and target, how many targets the judge could reach within \
      v ∈ [0, 2] and the share of those the oracle reads within --tolerance; and the wall time \
      of solving per face.
      """)

  @Option(help: "Model checkpoint (.safetensors with its .json).") var checkpoint: String
  @Option(help: "Synthetic face set (written by 'morph fixtures toyfaces').") var data: String
  @Option(help: "Oracle checkpoint from 'morph train oracle' (measures, and judges with --judge oracle).") var oracle: String
  @Option(help: "Who the solver asks: critic or oracle.") var judge: String = "oracle"
  @Option(help: "Held-out pairs per group.") var pairs: Int = 200
  @Option(help: "Comma-separated target probabilities.") var targets: String = "0.25,0.5,0.75,0.9"
  @Option(help: "A reading this close to the target is a hit.") var tolerance: Double = 0.05
  @Option(help: "Comma-separated groups (default: every group of the checkpoint that the faces model).") var groups: String?
  @Option(help: "Seed for choosing pairs.") var seed: UInt64 = 1
  @Option(help: "Also write the report as JSON here.") var json: String?

  func run() throws {
    guard let kind = CalibrationEvaluation.Judge(rawValue: judge) else {
      throw ValidationError("--judge must be critic or oracle, not '\(judge)'")
    }
    guard pairs > 0 else { throw ValidationError("--pairs must be positive, got \(pairs)") }
    guard tolerance > 0, tolerance < 1 else { throw ValidationError("--tolerance must be within (0, 1)") }
    let values = try EvalStrengths.parse(targets)
    let model = try HomoInterpModel.load(from: URL(fileURLWithPath: checkpoint))
    let modelled = Set(ToyFaceAttribute.modelledGroups.map(\.name))
    let chosen =
      groups.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
      ?? model.config.groups.map(\.name).filter { modelled.contains($0) }
    var evaluation = CalibrationEvaluation(
      model: model, oracle: try AttributeOracle.load(URL(fileURLWithPath: oracle)), judge: kind, targets: values)
    evaluation.tolerance = tolerance
    let start = Date()
    let records = try ToyFaceSetReader.read(URL(fileURLWithPath: data))
    let report = try evaluation.run(records: records, pairs: pairs, seed: seed, groups: chosen) { line in
      print(String(format: "%@ (%.0f s)", line, Date().timeIntervalSince(start)))
      fflush(stdout)
    }
    print(tableLine("group", values.map { String(format: "p=%.2f", $0) }, cellWidth: 16))
    for group in report.groups {
      print(
        tableLine(
          group.group,
          group.targets.map { t in
            "\(t.hitRate.map { String(format: "%.0f%%", $0 * 100) } ?? "—") of \(t.reachable)"
          }, cellWidth: 16))
    }
    print(
      String(
        format: "judge %@: %d of %d reachable targets within ±%.2f (%@); %d of %d targets unreachable; %.3f s per calibrated face",
        report.judge, report.hits, report.reachable, tolerance, report.hitRate.map { String(format: "%.1f%%", $0 * 100) } ?? "—",
        report.faces - report.reachable, report.faces, report.secondsPerFace))
    if let json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try encoder.encode(report).write(to: URL(fileURLWithPath: json), options: .atomic)
      print("wrote \(json)")
    }
  }
}
