import ArgumentParser
import Foundation
import MorphCatalog
import MorphPipeline

/// `morph runs diff A B`: parameters, outcome and metrics of two runs side by side.
struct RunsDiffCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "diff", abstract: "Compare the parameters, outcome and metrics of two runs.")

  @Argument(help: "First run id (or `last`).")
  var a: RunReference

  @Argument(help: "Second run id (or `last`).")
  var b: RunReference

  @Option(help: "Catalog file (default: .morph/catalog.sqlite).")
  var catalog: String?

  func run() async throws {
    let text = try await PipelineCLI.guarded {
      let opened = try MorphCatalog.Catalog.openForReading(at: CatalogLocation.resolve(catalog))
      return try RunComparison.diff(try a.resolve(in: opened), try b.resolve(in: opened), in: opened)
    }
    print(text)
  }
}
