import ArgumentParser
import Foundation
import MorphPipeline

/// `morph validate RECIPE`: checks a recipe without running it.
struct ValidateCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "validate",
    abstract: "Check a recipe: stage names, parameters and types, connections, cycles (errors as file:line:col).")

  @OptionGroup var recipe: RecipeArguments

  func run() async throws {
    let graph = try await PipelineCLI.guarded { try recipe.graph() }
    let flow = graph.stages.map { s in
      s.inputs.isEmpty ? "\(s.id) (\(s.descriptor.name))" : "\(s.id) (\(s.descriptor.name) ← \(s.inputs.joined(separator: ", ")))"
    }
    print("\(recipe.recipe): ok — \(graph.stages.count) stages: \(flow.joined(separator: " → "))")
  }
}
