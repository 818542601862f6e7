import ArgumentParser
import Foundation
import MorphCatalog
import MorphPipeline

/// `morph runs diff A B`: parameters, outcome and metrics of two runs side by side.
struct RunsDiffCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff", abstract: "Compare the parameters, outcome and metrics of two runs.")

  @Argument(help: "First run id.")
  var a: Int64

  @Argument(help: "Second run id.")
  var b: Int64

  @Option(help: "Catalog file (default: .morph/catalog.sqlite).")
  var catalog: String?

  func run() async throws {
    let text = try await PipelineCLI.guarded {
      try RunComparison.diff(a, b, in: try MorphCatalog.Catalog.openForReading(at: CatalogLocation.resolve(catalog)))
    }
    print(text)
  }
}
