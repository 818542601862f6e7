import Foundation
import MorphImaging

/// Unwrapping payloads inside stages, with errors that name the stage and item.
extension Item {
  /// The item's image, or an error when the stage was fed something else.
  func image(in stage: String) throws -> VipsImage {
    guard case .image(let image) = payload else {
      throw PipelineError.item(stage: stage, item: id, message: "expected an image")
    }
    return image
  }

  /// The item's record, or an error when the stage was fed something else.
  func record(in stage: String) throws -> [String: String] {
    guard case .record(let fields) = payload else {
      throw PipelineError.item(stage: stage, item: id, message: "expected a record")
    }
    return fields
  }
}

/// Runs `body` per item, turning each item's error into its own failed result.
func eachItem(_ items: [Item], _ body: (Item) throws -> Payload) -> [Result<Payload, Error>] {
  items.map { item in Result { try body(item) } }
}

/// Makes `folder` (and parents) exist, with an error naming it.
func makeFolder(_ folder: URL, stage: String) throws {
  do {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
  } catch {
    throw PipelineError.stage(stage: stage, message: "cannot create output folder \(folder.path)")
  }
}

/// A file name safe to write: path separators in item ids become `_`.
func fileStem(_ id: String) -> String {
  // A face of a photo (`dir/photo.jpg#1`) is saved as `dir_photo-face1`.
  let parent = parentItemID(id)
  let face = parent == id ? "" : "-face" + id.dropFirst(parent.count + 1)
  let stem = (parent as NSString).deletingPathExtension + face
  return stem.replacingOccurrences(of: "/", with: "_")
}
