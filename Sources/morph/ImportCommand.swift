import ArgumentParser

/// `morph import`: bring weights saved by other tools into Morph's formats.
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "import",
    abstract: "Import weights saved by PyTorch (read safely: nothing in the files is executed).",
    subcommands: [ImportStateDictCommand.self, ImportHomoInterpGANCommand.self, ImportVGG19Command.self])
}
