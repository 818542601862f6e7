import Crypto
import Foundation
import MorphCatalog
import MorphImaging

/// `load`: every image file in a folder, decoded to 8-bit sRGB (unreadable files fail alone).
enum LoadStage {
  static let imageSuffixes = ImageLoader.fileSuffixes

  static let descriptor = StageDescriptor(
    name: "load", summary: "Load the image files of a folder (JPEG, PNG, WebP, TIFF, GIF, HEIC/AVIF, PPM) as 8-bit sRGB.",
    shape: .source, input: nil, output: .images,
    parameters: [
      ParameterSpec("folder", .path, "Folder of images (relative to the working directory)."),
      ParameterSpec("recursive", .bool, default: .bool(true), "Also load images in subfolders (items are named by relative path)."),
      ParameterSpec(
        "limit", .int, default: .int(0), "Load at most this many files, in name order (0 = all).", range: .atLeast(0)),
      PhotoRereading.maxPixels,
    ],
    retryable: false, cacheable: false, concurrency: 2
  ) { context in
    let folder = context.url("folder")
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory) else {
      throw PipelineError.stage(stage: context.stageID, message: "input folder \(context.string("folder")) does not exist")
    }
    guard isDirectory.boolValue else {
      throw PipelineError.stage(stage: context.stageID, message: "\(context.string("folder")) is a file, not a folder")
    }
    let loader = PhotoRereading.loader(context)
    let limit = context.int("limit"), recursive = context.bool("recursive")
    return .source {
      let names = try imageFiles(in: folder, recursive: recursive, stage: context.stageID)
      let chosen = limit > 0 ? Array(names.prefix(limit)) : names
      return try chosen.enumerated().filter { context.takesItem?($0.element) ?? true }.map { ordinal, name in
        let url = folder.appendingPathComponent(name)
        let hash: String
        do { hash = try SHA256.hex(fileAt: url) } catch {
          throw PipelineError.item(stage: context.stageID, item: name, message: "cannot read \(url.path)")
        }
        return SourceItem(id: name, contentKey: "file:" + hash, origin: url, ordinal: ordinal) { .image(try loader.load(url)) }
      }
    }
  }

  /// Image file paths relative to `folder`, sorted; hidden files and folders are left out.
  static func imageFiles(in folder: URL, recursive: Bool, stage: String) throws -> [String] {
    let fm = FileManager.default
    let names: [String]
    do {
      names = recursive ? try fm.subpathsOfDirectory(atPath: folder.path) : try fm.contentsOfDirectory(atPath: folder.path)
    } catch {
      throw PipelineError.stage(stage: stage, message: "cannot list \(folder.path)")
    }
    return names.filter { path in
      imageSuffixes.contains((path as NSString).pathExtension.lowercased())
        && !path.split(separator: "/").contains { $0.hasPrefix(".") }
    }.sorted()
  }
}
