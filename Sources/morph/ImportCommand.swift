import ArgumentParser

/// `morph import`: weights from PyTorch files as Morph checkpoints.
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Read PyTorch checkpoints (.pth, never executed) into Morph checkpoints.",
    subcommands: [ImportHomoInterpGANCommand.self, ImportVGG19Command.self])
}
