import ArgumentParser
import Foundation
import MorphPipeline

/// Options shared by the recipe commands (`run`, `plan`, `validate`).
struct RecipeArguments: ParsableArguments {
  @Argument(help: "Recipe file (YAML), e.g. pipelines/demo.yaml.")
  var recipe: String

  @Option(name: .customLong("set"), help: ArgumentHelp("Override a parameter: NAME=VALUE or STAGE.PARAM=VALUE (repeatable).", valueName: "key=value"))
  var overrides: [String] = []

  /// Reads and validates the recipe.
  func graph() throws -> PipelineGraph {
    try PipelineRun.load(URL(fileURLWithPath: recipe), overrides: overrides)
  }
}

/// One-line errors for the pipeline commands: the message, no stack trace, exit status 1.
enum PipelineCLI {
  static func fail(_ error: Error) -> ExitCode {
    let message = "\(error)"
    FileHandle.standardError.write(Data(("error: " + message.replacingOccurrences(of: "\n", with: " ") + "\n").utf8))
    return ExitCode(1)
  }

  /// Runs `body`, turning any thrown error into a one-line message and exit status 1.
  static func guarded<T>(_ body: () async throws -> T) async throws -> T {
    do { return try await body() } catch let exit as ExitCode { throw exit } catch { throw fail(error) }
  }

  static var workingDirectory: URL { URL(fileURLWithPath: FileManager.default.currentDirectoryPath) }
}
