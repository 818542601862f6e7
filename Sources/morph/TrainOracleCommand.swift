import ArgumentParser
import Foundation
import MorphImaging
import MorphModels

/// `morph train oracle`: the attribute-regression CNN that judges `morph eval`.
struct TrainOracleCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "oracle",
    abstract: "Train the evaluation oracle (attribute-regression CNN) on rendered synthetic faces.",
    discussion: """
      Renders --count training faces (half of them true intermediates; a --round-trip-share of \
      them resized through a random size between --round-trip-min and --round-trip-max px and \
      back, so the oracle reads attributes, not sharpness) and --validation held-out faces, \
      trains for --epochs, and writes the checkpoint (safetensors) plus <out>.json with the \
      held-out accuracy per binary attribute, as rendered and through 64 px.
      """)

  @Option(help: "Checkpoint path (.safetensors).") var out: String = "out/oracle.safetensors"
  @Option(help: "Training faces.") var count: Int = 12_000
  @Option(help: "Held-out faces for the accuracy report.") var validation: Int = 1_000
  @Option(help: "Passes over the training faces.") var epochs: Int = 14
  @Option(help: "Batch size.") var batch: Int = 32
  @Option(help: "Adam learning rate.") var lr: Float = 1e-3
  @Option(help: "Seed for faces and weights.") var seed: UInt64 = 1
  @Option(help: "Share of training faces seen through a model size (0 = sharp renders only).") var roundTripShare: Double = 0.4
  @Option(help: "Smallest size (px) a training face is resized through.") var roundTripMin: Int = 40
  @Option(help: "Largest size (px) a training face is resized through.") var roundTripMax: Int = 128

  func run() throws {
    guard count > 0, validation > 0, epochs > 0, batch > 0, lr > 0 else {
      throw ToyFaceError.badOption("--count, --validation, --epochs, --batch and --lr must be positive")
    }
    guard (0...1).contains(roundTripShare), roundTripMin >= 8, roundTripMax >= roundTripMin else {
      throw ToyFaceError.badOption(
        "--round-trip-share must lie in [0, 1] and 8 ≤ --round-trip-min ≤ --round-trip-max (got \(roundTripShare), \(roundTripMin), \(roundTripMax))")
    }
    var trainer = OracleTrainer()
    trainer.trainingFaces = count
    trainer.validationFaces = validation
    trainer.epochs = epochs
    trainer.batchSize = batch
    trainer.learningRate = lr
    trainer.seed = seed
    trainer.roundTripShare = roundTripShare
    trainer.roundTripSizes = roundTripMin...roundTripMax
    // Flush each progress line: training runs for minutes, often with output sent to a file.
    let (net, accuracy) = try trainer.train {
      print($0)
      fflush(stdout)
    }
    let url = URL(fileURLWithPath: out)
    try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
    try net.save(to: url, metadata: ["kind": "morph-oracle", "input": "3x80x64", "attributes": ToyFaceAttribute.allCases.map(\.rawValue).joined(separator: ",")])
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
    try AtomicFile.write(encoder.encode(accuracy), to: url.deletingPathExtension().appendingPathExtension("json"))
    print("held-out accuracy per attribute (as rendered; through \(trainer.validationRoundTripSize) px):")
    for a in ToyFaceAttribute.allCases {
      print("  " + a.rawValue.padding(toLength: 20, withPad: " ", startingAt: 0) + String(
        format: " %.4f  (MAE %.3f)  %.4f", accuracy.accuracy[a.rawValue] ?? 0,
        accuracy.meanAbsoluteError[a.rawValue] ?? 0, accuracy.roundTrip?.accuracy[a.rawValue] ?? 0))
    }
    print(String(format: "minimum %.4f, mean %.4f over %d faces; wrote %@", accuracy.minimumAccuracy, accuracy.meanAccuracy, accuracy.faces, out))
  }
}

/// `morph train`: training commands.
struct TrainCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "train", abstract: "Train models.",
    subcommands: [TrainOracleCommand.self, TrainHomoInterpCommand.self, TrainCycleGANCommand.self])
}
