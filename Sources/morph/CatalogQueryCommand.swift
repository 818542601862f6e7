import ArgumentParser
import Foundation
import MorphCatalog

/// `morph catalog query EXPR`.
struct CatalogQuery: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "query", abstract: "List images matching a boolean attribute expression.")

  @OptionGroup var options: CatalogOptions
  @Argument(help: "Expression, e.g. \"Smiling AND NOT Male\"; empty = all images.") var expression: String
  @Option(help: "At most this many images.") var limit: Int?
  @Option(help: "Only this split: train, val or test.") var split: String?
  @Option(help: "Output: table, csv, json or paths.") var format: ListingFormat = .table
  @Flag(help: "Print only the number of matching images.") var count = false
  @OptionGroup var limits: SQLLimitOptions

  func validate() throws {
    if let limit, limit < 0 { throw ValidationError("--limit must be at least 0") }
  }

  func run() throws {
    let catalog = try options.openForReading()
    if count {
      print(try catalog.count(expression, split: split, limits: limits.limits))
      return
    }
    let images = try catalog.query(expression, split: split, limit: limit, limits: limits.limits)
    let header = ["id", "dataset", "path", "split", "content_hash"]
    let rows = images.map { [String($0.id), $0.dataset, $0.path, $0.split ?? "", $0.contentHash ?? ""] }
    switch format {
    case .table:
      print(CatalogPrinter.table(["id", "dataset", "path", "split"], rows.map { Array($0.prefix(4)) }))
      CatalogPrinter.note("\(images.count) images")
    case .csv: print(CatalogPrinter.csv(header, rows))
    case .json: print(try CatalogPrinter.json(images))
    case .paths: for image in images { print(image.absolutePath) }
    }
  }
}

/// `morph catalog stats`.
struct CatalogStats: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "stats", abstract: "Images per dataset and split, and per-attribute positive rates per split.")

  @OptionGroup var options: CatalogOptions
  @Option(help: "Only this dataset.") var dataset: String?
  @Flag(help: "JSON output.") var json = false

  func run() throws {
    let catalog = try options.openForReading()
    let summary = try catalog.summary()
    if let dataset, summary.datasets[dataset] == nil {
      throw CatalogError.notFound(kind: "dataset", name: dataset)
    }
    let stats = try catalog.attributeStats(dataset: dataset)
    if json {
      struct Output: Encodable {
        var summary: CatalogSummary
        var attributes: [AttributeSplitStats]
      }
      print(try CatalogPrinter.json(Output(summary: summary, attributes: stats)))
      return
    }
    let datasets = summary.datasets.sorted { $0.key < $1.key }.map { "\($0.key) (\($0.value))" }
    print("datasets: \(datasets.isEmpty ? "none" : datasets.joined(separator: ", "))")
    let splits = ["train", "val", "test", "none"].compactMap { s in summary.imagesPerSplit[s].map { "\(s) \($0)" } }
    print("images: \(summary.images)  [\(splits.joined(separator: ", "))]")
    print("models: \(summary.models)  latents: \(summary.latents)  runs: \(summary.runs)")
    guard !stats.isEmpty else { return }
    let splitNames = ["train", "val", "test", "none"].filter { s in stats.contains { $0.split == s } }
    var rows = [[String]]()
    var order = [String]()
    var bySplit = [String: [String: AttributeSplitStats]]()
    for s in stats {
      if bySplit[s.attribute] == nil { order.append(s.attribute) }
      bySplit[s.attribute, default: [:]][s.split] = s
    }
    for attribute in order {
      let cells = splitNames.map { split in
        bySplit[attribute]?[split].map { String(format: "%5.1f%%", 100 * $0.positiveRate) } ?? "    -"
      }
      let all = bySplit[attribute]?.values.reduce((0, 0)) { ($0.0 + $1.positive, $0.1 + $1.known) } ?? (0, 0)
      rows.append(
        [attribute] + cells + [String(format: "%5.1f%%", all.1 > 0 ? 100 * Double(all.0) / Double(all.1) : 0)])
    }
    print("")
    print(CatalogPrinter.table(["attribute"] + splitNames + ["all"], rows))
  }
}

/// `morph catalog attrs`.
struct CatalogAttrs: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "attrs", abstract: "List attribute names with their groups and datasets, then the groups.")

  @OptionGroup var options: CatalogOptions
  @Flag(help: "JSON output.") var json = false

  func run() throws {
    let catalog = try options.openForReading()
    let attributes = try catalog.attributes()
    let groups = try catalog.attributeGroups()
    if json {
      struct Output: Encodable {
        var attributes: [AttributeInfo]
        var groups: [CatalogAttributeGroup]
      }
      print(try CatalogPrinter.json(Output(attributes: attributes, groups: groups)))
      return
    }
    if attributes.isEmpty {
      print("no attributes yet (ingest a dataset first)")
    } else {
      print(
        CatalogPrinter.table(
          ["attribute", "group", "datasets"],
          attributes.map { [$0.name, $0.groups.joined(separator: ","), $0.datasets.joined(separator: ",")] }))
    }
    print("")
    print(
      CatalogPrinter.table(["group", "attributes"], groups.map { [$0.name, $0.attributes.joined(separator: " ")] }))
  }
}
