import ArgumentParser
import Foundation
import MorphCatalog

/// `morph catalog ingest celeba|folder …`.
struct CatalogIngest: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "ingest", abstract: "Add a dataset to the catalog (re-ingesting updates it in place).",
    subcommands: [CatalogIngestCelebA.self, CatalogIngestFolder.self])
}

/// `morph catalog ingest celeba DIR`.
struct CatalogIngestCelebA: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "celeba",
    abstract: "Ingest CelebA as published (list_attr_celeba.txt, landmarks, partition, images) or as Kaggle's CSV copy.")

  @OptionGroup var options: CatalogOptions
  @Argument(help: "CelebA folder (holding list_attr_celeba.txt and img_align_celeba/, or Anno/ Eval/ Img/).")
  var directory: String
  @Option(help: "Dataset name in the catalog.") var name = "celeba"
  @Flag(help: "Read the annotation files only: no image folder needed, no content hashes.")
  var annotationsOnly = false
  @Flag(help: "Accept attribute names that are not CelebA's 40 (labels of your own in the CelebA layout).")
  var extraAttributes = false

  func run() throws {
    let start = Date()
    let catalog = try options.open(create: true)
    let summary = try catalog.ingestCelebA(
      at: URL(fileURLWithPath: directory), name: name, annotationsOnly: annotationsOnly, extraAttributes: extraAttributes,
      progress: ingestProgress)
    print(describe(summary, since: start))
  }
}

/// `morph catalog ingest folder DIR --attributes CSV`.
struct CatalogIngestFolder: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "folder", abstract: "Ingest an image folder with a CSV of attributes (header: file,attr1,attr2,…).")

  @OptionGroup var options: CatalogOptions
  @Argument(help: "Image folder.") var directory: String
  @Option(help: "CSV: first column file path relative to the folder, then one column per attribute (1/-1/0).")
  var attributes: String?
  @Option(help: "Dataset name (default: the folder name).") var name: String?

  func run() throws {
    let start = Date()
    let catalog = try options.open(create: true)
    let summary = try catalog.ingestFolder(
      at: URL(fileURLWithPath: directory), attributesCSV: attributes.map { URL(fileURLWithPath: $0) }, name: name,
      progress: ingestProgress)
    print(describe(summary, since: start))
  }
}

/// Progress lines on standard error; "writing" lines are printed inside the write transaction.
func ingestProgress(_ phase: String, _ done: Int, _ total: Int) {
  CatalogPrinter.note("\(phase) \(min(done, total))/\(total)")
}

func describe(_ s: IngestSummary, since start: Date) -> String {
  let seconds = String(format: "%.2f", Date().timeIntervalSince(start))
  return
    "ingested \(s.dataset): \(s.images) images, \(s.attributes) attributes (added \(s.added), updated \(s.updated), removed \(s.removed)) in \(seconds) s"
}
