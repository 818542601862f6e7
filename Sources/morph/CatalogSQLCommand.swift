import ArgumentParser
import Foundation
import MorphCatalog

/// `morph catalog sql "SELECT …"` on a read-only connection.
struct CatalogSQL: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "sql",
    abstract: "Run a read-only SQL statement against the catalog.",
    discussion: """
      Tables: dataset, image, attribute, dataset_attribute, image_attribute_word (packed), the view
      image_attribute (image_id, attribute_id, attribute, value), attribute_group, attribute_group_member,
      landmark, bbox, model, latent, run, stage_result, metric, artifact.
      """)

  @OptionGroup var options: CatalogOptions
  @Argument(help: "One SQL statement.") var sql: String
  @Option(help: "Output: table, csv or json.") var format: ListingFormat = .table
  @OptionGroup var limits: SQLLimitOptions

  func run() throws {
    let result = try MorphCatalog.Catalog.readOnlySQL(at: options.url, sql, limits: limits.limits)
    switch format {
    case .table, .paths:
      print(CatalogPrinter.table(result.columns, result.rows.map { $0.map(\.text) }))
    case .csv:
      print(CatalogPrinter.csv(result.columns, result.rows.map { $0.map(\.text) }))
    case .json:
      let objects = result.rows.map { row in
        Dictionary(uniqueKeysWithValues: zip(result.columns, row.map(Self.jsonValue)))
      }
      let data = try JSONSerialization.data(
        withJSONObject: objects, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
      print(String(decoding: data, as: UTF8.self))
    }
  }

  static func jsonValue(_ value: SQLValue) -> Any {
    switch value {
    case .null: return NSNull()
    case .integer(let i): return i
    case .real(let d): return d
    case .text(let s): return s
    case .blob(let b): return b.base64EncodedString()
    }
  }
}
