import ArgumentParser
import Foundation
import MorphCatalog

/// `morph catalog nearest IMAGE --model M -k 10`.
struct CatalogNearest: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "nearest",
    abstract: "Images whose stored latent is nearest (cosine of pooled vectors) to an image's latent.")

  @OptionGroup var options: CatalogOptions
  @Argument(
    help: "A catalog image: path, path relative to its dataset root, file name, or a file with the same content.")
  var image: String
  @Option(help: "Model whose latents to compare.") var model: String
  @Option(name: .customShort("k"), help: "Number of neighbours.") var k = 10
  @Option(name: .customLong("where"), help: "Only images matching this attribute expression.") var expression: String?
  @Option(help: "Only this split.") var split: String?
  @Option(help: "Output: table, csv, json or paths.") var format: ListingFormat = .table

  func validate() throws {
    if k < 1 { throw ValidationError("-k must be at least 1") }
  }

  func run() throws {
    let catalog = try options.openForReading()
    let target = try catalog.resolveImage(image)
    let start = Date()
    let hits = try catalog.nearest(toImage: target.id, model: model, k: k, where: expression, split: split)
    let elapsed = Date().timeIntervalSince(start)
    let rows = hits.map {
      [String(format: "%.4f", $0.similarity), String($0.image.id), $0.image.dataset, $0.image.path]
    }
    switch format {
    case .table:
      print(CatalogPrinter.table(["similarity", "id", "dataset", "path"], rows))
      CatalogPrinter.note(String(format: "%d neighbours of %@ in %.1f ms", hits.count, target.path, elapsed * 1000))
    case .csv: print(CatalogPrinter.csv(["similarity", "id", "dataset", "path"], rows))
    case .json: print(try CatalogPrinter.json(hits))
    case .paths: for hit in hits { print(hit.image.absolutePath) }
    }
  }
}
