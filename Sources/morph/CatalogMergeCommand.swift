import ArgumentParser
import Foundation
import MorphCatalog

/// `morph catalog merge OUT SHARD…`: joins the catalogs of a sharded run into one.
struct CatalogMerge: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge",
    abstract: "Merge shard catalogs (morph run --shard K/N) into one catalog.",
    discussion: """
      Each shard is merged in one transaction. Merging a shard again changes nothing. Where a shard \
      disagrees with OUT (an image with another content hash, a latent from a model with another \
      weights hash), OUT's row is kept and the conflict is printed; the exit status is then 1.
      Example: morph catalog merge .morph/catalog.sqlite .morph/catalog.shard-*-of-8.sqlite
      """)

  @Argument(help: "The merged catalog (created when missing; may already hold earlier merges).")
  var out: String

  @Argument(help: "Shard catalogs to merge into it.")
  var shards: [String]

  @Option(help: "Print at most this many conflicts per shard.")
  var maxConflicts = 20

  func validate() throws {
    if shards.isEmpty { throw ValidationError("name at least one shard catalog after OUT") }
  }

  func run() throws {
    let catalog = try MorphCatalog.Catalog.open(at: URL(fileURLWithPath: out))
    var conflicts = 0
    for path in shards {
      let s = try catalog.merge(shardAt: URL(fileURLWithPath: path))
      print(
        "\(path): \(s.runsAdded) runs added, \(s.runsUpdated) updated, \(s.runsKept) already merged; "
          + "\(s.imagesAdded) images, \(s.latentsAdded) latents, \(s.modelsAdded) models, \(s.faceScansAdded) face scans added"
          + (s.conflicts.isEmpty ? "" : "; \(s.conflicts.count) conflicts"))
      for c in s.conflicts.prefix(maxConflicts) { CatalogPrinter.note("  conflict: \(c.kind.rawValue) \(c.message)") }
      if s.conflicts.count > maxConflicts { CatalogPrinter.note("  … and \(s.conflicts.count - maxConflicts) more conflicts") }
      conflicts += s.conflicts.count
    }
    if conflicts > 0 {
      CatalogPrinter.note("merged into \(out) with \(conflicts) conflicts (the rows already in \(out) were kept)")
      throw ExitCode(1)
    }
  }
}
