import ArgumentParser
import Foundation
import MorphCatalog
import MorphPipeline

/// `morph explain RUN ITEM`: why an item ran or was skipped in a run.
struct ExplainCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "explain", abstract: "Say why an item ran, was reused from the cache, or failed in a run.")

  @Argument(help: "Run id (see `morph runs list`), or `last` for the newest run.")
  var run: RunReference

  @Argument(help: "Item id, e.g. an input file name.")
  var item: String

  @Option(help: "Catalog file (default: .morph/catalog.sqlite).")
  var catalog: String?

  func run() async throws {
    let text = try await PipelineCLI.guarded {
      let opened = try MorphCatalog.Catalog.openForReading(at: CatalogLocation.resolve(catalog))
      return try RunExplanation.explain(runID: try run.resolve(in: opened), item: item, in: opened)
    }
    print(text)
  }
}
