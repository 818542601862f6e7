import ArgumentParser
import Foundation
import MorphPipeline

/// `morph plan RECIPE`: what a run would do, per stage, without doing it.
struct PlanCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "plan",
    abstract: "Dry run: per stage, how many items would run and how many are cached.")

  @OptionGroup var recipe: RecipeArguments

  func run() async throws {
    let plan = try await PipelineCLI.guarded { () -> ExecutionPlan in
      let run = PipelineRun(graph: try recipe.graph(), baseDirectory: PipelineCLI.workingDirectory, morphVersion: MorphVersion.string)
      return try run.plan()
    }
    print(plan.table)
    let work = plan.stages.map(\.runCount).reduce(0, +)
    let dynamic = plan.stages.filter(\.dynamic).map(\.stage.id)
    if dynamic.isEmpty {
      print(work == 0 ? "nothing to do: every result is cached" : "\(work) stage-items to run")
    } else {
      // Their items (one per face …) exist only once the stage before them has run.
      print(
        "\(work) stage-items to run, plus the items of \(dynamic.joined(separator: ", ")), made at run time "
          + "(each looked up in the cache then)")
    }
  }
}
