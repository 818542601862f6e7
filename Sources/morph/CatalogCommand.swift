import ArgumentParser
import MorphCatalog

/// `morph catalog …`: datasets, attributes, queries and latents in the SQLite catalog.
struct CatalogCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "catalog",
    abstract: "Query and fill the image catalog (SQLite).",
    discussion: """
      Queries are boolean expressions over attribute names, e.g.
        "Smiling AND NOT Male", "(Blond_Hair OR Gray_Hair) AND Young", "split = test", "dataset = celeba".
      A group name (e.g. hair_color) means "any attribute of the group".
      """,
    subcommands: [
      CatalogIngest.self, CatalogQuery.self, CatalogStats.self, CatalogAttrs.self, CatalogSQL.self,
      CatalogNearest.self, CatalogMerge.self,
    ])
}
