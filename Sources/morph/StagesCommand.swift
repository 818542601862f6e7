import ArgumentParser
import Foundation
import MorphPipeline

/// `morph stages [NAME]`: the stages a recipe can use.
struct StagesCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stages", abstract: "List the stages recipes can use, or document one.")

  @Argument(help: "A stage name to document in full.")
  var name: String?

  func run() async throws {
    let registry = StageRegistry.builtIn
    guard let name else {
      let width = registry.names.map(\.count).max() ?? 0
      for n in registry.names {
        guard let d = registry[n] else { continue }
        let kinds = "\(d.input?.rawValue ?? "—") → \(d.output.rawValue)"
        print("\(n.padding(toLength: width, withPad: " ", startingAt: 0))  \(kinds.padding(toLength: 20, withPad: " ", startingAt: 0))  \(d.summary)")
      }
      return
    }
    guard let descriptor = registry[name] else {
      throw PipelineCLI.fail(PipelineError.stage(stage: name, message: registry.unknownStageHint(name)))
    }
    print(descriptor.documentation)
  }
}
