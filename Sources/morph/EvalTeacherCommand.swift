import ArgumentParser
import Foundation
import MorphImaging
import MorphModels

/// `morph eval teacher`: which attributes a training run's judges can read.
struct EvalTeacherCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "teacher",
    abstract: "Per-attribute accuracy of a training checkpoint's attribute classifier and critic heads on held-out faces.",
    discussion: """
      Loads a training checkpoint of 'morph train homointerp' (the one with optimiser and \
      classifier state, not an exported one) and scores, on --faces held-out faces of --data: \
      the attribute classifier (teacher and pixel-attribute judge) on the faces and on the \
      model's reconstructions, and the critic's attribute heads on the encoder's latents. An \
      attribute a judge reads near its base rate is one the edit losses cannot teach.
      """)

  @Option(help: "Training checkpoint (homointerp.safetensors with its .json).") var checkpoint: String
  @Option(help: "The face set the run was trained on.") var data: String
  @Option(help: "Held-out faces to score.") var faces: Int = 1_000
  @Option(help: "Write the report as JSON here too.") var json: String?

  func run() throws {
    guard faces > 0 else { throw ToyFaceError.badOption("--faces must be positive") }
    let trainer = try HomoInterpTrainer.resume(
      from: URL(fileURLWithPath: checkpoint), dataDirectory: URL(fileURLWithPath: data))
    let audit = try HomoInterpTeacherAudit.measure(
      model: trainer.model, classifier: trainer.classifier, data: trainer.data, faces: faces)
    func column(_ values: [Double]?, _ a: Int) -> String { values.map { String(format: "%.3f", $0[a]) } ?? "—" }
    func column(_ values: [Double?]?, _ a: Int) -> String { values?[a].map { String(format: "%.3f", $0) } ?? "—" }
    print("\(audit.faces) held-out faces; accuracy per attribute (label = parameter ≥ 0.5)")
    print(
      "edits: each face edited at strength 1 in one group towards the next face; cls-edit/critic-edit = share of the edits whose label differs that the judge reads as the reference's")
    print(tableLine("attribute", ["present", "classifier", "cls-recon", "critic", "edits", "cls-edit", "critic-edit"], cellWidth: 12))
    for (a, name) in audit.attributes.enumerated() {
      let cells = [audit.baseRate, audit.classifierOnImages, audit.classifierOnReconstructions, audit.criticOnLatents]
      let editCells = [audit.editsCounted.map { String($0[a]) } ?? "—", column(audit.classifierOnEdits, a), column(audit.criticOnEdits, a)]
      print(tableLine(name, cells.map { column($0, a) } + editCells, cellWidth: 12))
    }
    if let json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try AtomicFile.write(encoder.encode(audit), to: URL(fileURLWithPath: json))
    }
  }
}
