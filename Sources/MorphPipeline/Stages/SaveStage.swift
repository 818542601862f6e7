import Foundation
import MorphCatalog
import MorphImaging

/// `save`: writes each image to a folder as `<item>.<format>`; records the file as an artifact.
enum SaveStage {
  static let formats = ["png", "jpg", "webp", "tif"]

  static let descriptor = StageDescriptor(
    name: "save", summary: "Write each image to a folder as <item>.<format> (png, jpg, webp, tif).",
    shape: .map, input: .images, output: .records,
    parameters: [
      ParameterSpec("folder", .path, "Output folder (created when missing)."),
      ParameterSpec("format", .string, default: .string("png"), "File format.", range: .oneOf(formats)),
      ParameterSpec("quality", .int, default: .int(90), "JPEG/WebP quality.", range: .integers(1...100)),
    ],
    retryable: true, concurrency: 2, batch: 1,
    cachedResultIsValid: { payload in outputIsIntact(payload) }
  ) { context in
    let format = context.string("format"), quality = context.int("quality")
    let folder = context.url("folder")
    try makeFolder(folder, stage: context.stageID)
    return .map { items in
      eachItem(items) { item in
        let url = folder.appendingPathComponent("\(fileStem(item.id)).\(format)").standardizedFileURL
        try item.image(in: context.stageID).save(to: url, quality: format == "png" ? nil : quality)
        return .record([artifactField: url.path, "item": item.id, "sha256": try SHA256.hex(fileAt: url)])
      }
    }
  }

  /// A cached save is only reused while the file it wrote is still there, unchanged.
  static func outputIsIntact(_ payload: Payload) -> Bool {
    guard case .record(let fields) = payload, let path = fields[artifactField], let hash = fields["sha256"] else {
      return false
    }
    return (try? SHA256.hex(fileAt: URL(fileURLWithPath: path))) == hash
  }
}
