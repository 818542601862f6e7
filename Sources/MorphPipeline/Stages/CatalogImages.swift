import Crypto
import Foundation
import MorphCatalog

/// Finds the catalog image row of an item's file, ingesting the file's folder the first time
/// an unknown image is met (`homointerp.encode` storing latents, `detect` storing faces).
final class CatalogImages: @unchecked Sendable {
  let catalog: Catalog
  let stage: String
  // Guards `ingested`: items of one folder arrive on several workers at once.
  private let lock = NSLock()
  private var ingested: Set<String> = []

  init(catalog: Catalog, stage: String) {
    self.catalog = catalog
    self.stage = stage
  }

  /// The catalog image an item came from; an unknown image's folder is ingested first.
  func resolve(_ item: Item) throws -> ImageMatch {
    guard let origin = item.origin else {
      throw PipelineError.item(stage: stage, item: item.id, message: "the item did not come from an image file")
    }
    // A face (`photo.jpg#0`) belongs to its photo's image row.
    let id = parentItemID(item.id)
    if let match = try? catalog.resolveImage(origin.path) { return match }
    // Items of `load` are named by their path below the folder: that folder is the dataset root.
    let path = origin.standardizedFileURL.path
    let root = path.hasSuffix("/" + id) ? String(path.dropLast(id.count + 1)) : origin.deletingLastPathComponent().path
    try lock.withLock {
      guard !ingested.contains(root) else { return }
      ingested.insert(root)
      let url = URL(fileURLWithPath: root)
      let name = url.lastPathComponent + "-" + String(SHA256.hex(root).prefix(8))
      // Faces of a CelebA-layout folder come with their labels, so prototypes and attribute
      // queries work on them without a separate ingest run.
      let dataset = url.deletingLastPathComponent()
      let labelled =
        url.lastPathComponent == "img_align_celeba"
        && FileManager.default.fileExists(atPath: dataset.appendingPathComponent("list_attr_celeba.txt").path)
      do {
        if labelled {
          try catalog.ingestCelebA(at: dataset, name: dataset.lastPathComponent + "-" + String(SHA256.hex(root).prefix(8)))
        } else {
          try catalog.ingestFolder(at: url, attributesCSV: nil, name: name)
        }
      } catch {
        throw PipelineError.item(stage: stage, item: item.id, message: "cannot add folder \(root) to the catalog: \(error)")
      }
    }
    do { return try catalog.resolveImage(origin.path) } catch {
      throw PipelineError.item(stage: stage, item: item.id, message: "image \(origin.path) is not in the catalog: \(error)")
    }
  }
}
