import Crypto
import Foundation
import MorphCatalog

/// `ingest`: reads a CelebA folder or a labelled image folder into the catalog (idempotent).
enum IngestStage {
  static let descriptor = StageDescriptor(
    name: "ingest", summary: "Ingest a CelebA folder or an image folder with an attribute CSV into the catalog.",
    shape: .source, input: nil, output: .records,
    parameters: [
      ParameterSpec("format", .string, default: .string("celeba"), "celeba or folder."),
      ParameterSpec("root", .path, "Dataset folder."),
      ParameterSpec("name", .string, default: .string(""), "Dataset name (default: celeba, or the folder's name)."),
      ParameterSpec("attributes", .string, default: .string(""), "For `folder`: attribute CSV (relative to the working directory)."),
      ParameterSpec("annotations_only", .bool, default: .bool(false), "For `celeba`: ingest annotations without images."),
      ParameterSpec(
        "extra_attributes", .bool, default: .bool(false),
        "For `celeba`: accept attribute names that are not CelebA's 40 (otherwise a misspelt header is an error)."),
    ],
    retryable: true, concurrency: 1,
    cachedResultIsValid: { payload in
      // Reused only while the catalog it wrote to is still there.
      guard case .record(let fields) = payload, let path = fields["catalog"] else { return false }
      return FileManager.default.fileExists(atPath: path)
    }
  ) { context in
    let format = context.string("format")
    guard ["celeba", "folder"].contains(format) else {
      throw PipelineError.stage(stage: context.stageID, message: "format `\(format)` is not celeba or folder")
    }
    guard let catalog = context.catalog else {
      throw PipelineError.stage(stage: context.stageID, message: "ingest needs a catalog")
    }
    let root = context.url("root")
    guard FileManager.default.fileExists(atPath: root.path) else {
      throw PipelineError.stage(stage: context.stageID, message: "dataset folder \(context.string("root")) does not exist")
    }
    let csv = context.string("attributes").isEmpty ? nil : context.url("attributes")
    let name = context.string("name").isEmpty ? nil : context.string("name")
    let annotationsOnly = context.bool("annotations_only"), extraAttributes = context.bool("extra_attributes")
    return .source {
      let id = name ?? (format == "celeba" ? "celeba" : root.lastPathComponent)
      // The listing (path, size, modification time) of every file stands for the content:
      // hashing every image of CelebA would cost more than the ingest itself.
      var hasher = SHA256()
      hasher.update("\(format)\n\(id)\n\(annotationsOnly)\n\(extraAttributes)\n\(csv.map { (try? SHA256.hex(fileAt: $0)) ?? $0.path } ?? "")\n")
      for line in listing(root) { hasher.update(line + "\n") }
      let key = hasher.finalize().hex
      return [
        SourceItem(id: id, contentKey: "dataset:" + key, origin: root) {
          let summary =
            format == "celeba"
            ? try catalog.ingestCelebA(at: root, name: id, annotationsOnly: annotationsOnly, extraAttributes: extraAttributes)
            : try catalog.ingestFolder(at: root, attributesCSV: csv, name: id)
          return .record([
            "dataset": summary.dataset, "images": String(summary.images), "attributes": String(summary.attributes),
            "added": String(summary.added), "updated": String(summary.updated), "removed": String(summary.removed),
            "catalog": catalog.url?.path ?? "",
          ])
        }
      ]
    }
  }

  /// `relative-path size mtime` of every file below `root`, sorted.
  static func listing(_ root: URL) -> [String] {
    guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.fileSizeKey, .contentModificationDateKey])
    else { return [] }
    var lines: [String] = []
    let prefix = root.standardizedFileURL.path.count + 1
    for case let url as URL in walker {
      guard let values = try? url.resourceValues(forKeys: [.fileSizeKey, .contentModificationDateKey, .isRegularFileKey]),
        values.isRegularFile == true
      else { continue }
      let path = String(url.standardizedFileURL.path.dropFirst(prefix))
      lines.append("\(path) \(values.fileSize ?? 0) \(values.contentModificationDate?.timeIntervalSince1970 ?? 0)")
    }
    return lines.sorted()
  }
}
