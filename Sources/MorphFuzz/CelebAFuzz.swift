import Foundation
// The table readers are internal to MorphCatalog; the fuzz build compiles it with
// `-enable-testing` so they are reached directly, without a file per input.
@testable import MorphCatalog

/// CelebA's annotation tables, each read both as published (`.txt`, whitespace) and as
/// Kaggle's copy (`.csv`, commas), with the same arguments `CelebAReader.read` passes.
enum CelebAFuzz {
  static let reader = CelebAReader(root: URL(fileURLWithPath: "/fuzz"))
  static let lenientReader = CelebAReader(root: URL(fileURLWithPath: "/fuzz"), extraAttributes: true)
  /// The images the numeric tables may name: the fixture set's eight (seeds use them).
  static let index = Dictionary(uniqueKeysWithValues: (1...8).map { (String(format: "%06d.jpg", $0), $0 - 1) })

  static func tables(_ stem: String, _ bytes: [UInt8]) -> [TextLines] {
    [
      TextLines(name: stem + ".txt", bytes: bytes, commas: false),
      TextLines(name: stem + ".csv", bytes: bytes, commas: true),
    ]
  }

  static func attributes(_ bytes: [UInt8]) {
    for text in tables("list_attr_celeba", bytes) {
      for reader in [reader, lenientReader] {
        expectOnly(CatalogError.self) {
          var dataset = DatasetAnnotations(name: "fuzz", kind: "celeba", root: "/fuzz")
          _ = try reader.readAttributes(text, into: &dataset)
        }
      }
    }
  }

  static func landmarks(_ bytes: [UInt8]) {
    for text in tables("list_landmarks_align_celeba", bytes) {
      expectOnly(CatalogError.self) { _ = try reader.readNumbers(text, columns: 10, index: index, counted: true) }
    }
  }

  static func boxes(_ bytes: [UInt8]) {
    for text in tables("list_bbox_celeba", bytes) {
      expectOnly(CatalogError.self) { _ = try reader.readNumbers(text, columns: 4, index: index, counted: true) }
    }
  }

  /// The partition and the identity list share a layout (`file number`, no count line).
  static func partition(_ bytes: [UInt8]) {
    for text in tables("list_eval_partition", bytes) {
      expectOnly(CatalogError.self) {
        _ = try reader.readNumbers(
          text, columns: 1, index: index, counted: false, allowed: 0..<3, meaning: "0 (train), 1 (val) or 2 (test)")
      }
      expectOnly(CatalogError.self) {
        _ = try reader.readNumbers(
          text, columns: 1, index: index, counted: false, allowed: 0..<(1 << 24),
          meaning: "an identity number from 0 to 16777215")
      }
    }
  }

  static func folderCSV(_ bytes: [UInt8]) {
    expectOnly(CatalogError.self) { _ = try CSVTable(name: "attributes.csv", bytes: bytes) }
  }
}
