import ArgumentParser
import MorphTensor

/// The `morph` command: face-attribute translation by homomorphic latent-space interpolation.
@main
struct Morph: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "morph",
    abstract: "Face-attribute translation by homomorphic latent-space interpolation.",
    version: MorphVersion.string,
    subcommands: [
      RunCommand.self,
      ValidateCommand.self,
      PlanCommand.self,
      StagesCommand.self,
      ExplainCommand.self,
      CatalogCommand.self,
      RunsCommand.self,
      ServeCommand.self,
      FixturesCommand.self,
      TrainCommand.self,
      EvalCommand.self,
      ExportCommand.self,
      ImportCommand.self,
      Bench.self,
    ])

  /// Sets the engine's allocator policy before anything allocates, then runs the command.
  static func main() async {
    AllocatorPolicy.apply()
    await main(nil)
  }
}

/// Morph's version string, recorded with every run.
enum MorphVersion {
  static let string = "0.1.0"
}
