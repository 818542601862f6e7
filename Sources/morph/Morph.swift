import ArgumentParser

/// The `morph` command: face-attribute translation by homomorphic latent-space interpolation.
@main
struct Morph: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "morph",
    abstract: "Face-attribute translation by homomorphic latent-space interpolation.",
    version: MorphVersion.string,
    subcommands: [Bench.self, FixturesCommand.self, EvalCommand.self, TrainCommand.self])
}

/// Morph's version string, recorded with every run.
enum MorphVersion {
  static let string = "0.1.0"
}
