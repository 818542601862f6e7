import ArgumentParser
import Foundation
import MorphImaging
import MorphModels

/// `morph eval oracle`: how well an oracle reads held-out faces, sharp and through a model size.
struct EvalOracleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "oracle",
    abstract: "Held-out accuracy of an oracle checkpoint, as rendered and through a model's input size.",
    discussion: """
      Renders --faces held-out faces (the validation faces 'morph train oracle' reports for the \
      same --seed), scores the oracle on them as rendered and resized through --through px and \
      back, and prints the accuracy per attribute. Their labels are unchanged by the resize, so \
      a drop there is the oracle misreading softer faces: what it would wrongly charge a model \
      of that size with.
      """)

  @Option(help: "Oracle checkpoint from 'morph train oracle'.") var oracle: String
  @Option(help: "Held-out faces.") var faces: Int = 1_000
  @Option(help: "Size (px) the faces are resized through.") var through: Int = 64
  @Option(help: "Seed the oracle was trained with (selects its validation faces).") var seed: UInt64 = 1
  @Option(help: "Write the report as JSON here too.") var json: String?

  func run() throws {
    guard faces > 0, through >= 8 else { throw ToyFaceError.badOption("--faces must be positive and --through at least 8") }
    let net = OracleNetwork(seed: 0)
    try net.load(from: URL(fileURLWithPath: oracle))
    var trainer = OracleTrainer()
    trainer.validationFaces = faces
    trainer.validationRoundTripSize = through
    trainer.seed = seed
    let accuracy = try trainer.heldOutAccuracy(of: net)
    func row(_ name: String, _ rendered: Double, _ roundTrip: Double) {
      print(tableLine(name, [String(format: "%.4f", rendered), String(format: "%.4f", roundTrip)], cellWidth: 10))
    }
    print(tableLine("attribute", ["rendered", "\(through) px"], cellWidth: 10))
    for a in ToyFaceAttribute.allCases {
      row(a.rawValue, accuracy.accuracy[a.rawValue] ?? 0, accuracy.roundTrip?.accuracy[a.rawValue] ?? 0)
    }
    row("mean", accuracy.meanAccuracy, accuracy.roundTrip?.meanAccuracy ?? 0)
    row("minimum", accuracy.minimumAccuracy, accuracy.roundTrip?.minimumAccuracy ?? 0)
    if let json {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try AtomicFile.write(encoder.encode(accuracy), to: URL(fileURLWithPath: json))
    }
  }
}
