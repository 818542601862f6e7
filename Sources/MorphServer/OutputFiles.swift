import Foundation
import MorphImaging

/// The output folder: where saved edits, sheets, animations and uploads go, and the only place
/// `GET /api/files/NAME` reads from. Names are made by the server; a request names a file only
/// by a plain name that must already be listed in the folder.
enum OutputFiles {
  /// A plain file name: letters, digits, `.`, `_`, `-`; no leading dot; at most 160 characters.
  static func isPlainName(_ name: String) -> Bool {
    guard !name.isEmpty, name.count <= 160, !name.hasPrefix(".") else { return false }
    return name.unicodeScalars.allSatisfy { c in
      (c.value < 128) && (CharacterSet.alphanumerics.contains(c) || c == "." || c == "_" || c == "-")
    }
  }

  /// A name-safe stem from a face label (`000001.jpg` → `000001`).
  static func stem(_ label: String) -> String {
    let base = (label as NSString).lastPathComponent
    let withoutSuffix = (base as NSString).deletingPathExtension
    let safe = String(withoutSuffix.unicodeScalars.map { c -> Character in
      c.value < 128 && (CharacterSet.alphanumerics.contains(c) || c == "_" || c == "-") ? Character(c) : "_"
    })
    return safe.isEmpty ? "face" : String(safe.prefix(60))
  }

  /// Writes `data` to `file` atomically and never through a planted link (`AtomicFile`).
  @discardableResult
  static func writeAtomically(_ data: Data, to file: URL) throws -> URL {
    do { try AtomicFile.write(data, to: file) } catch {
      throw ServeError.server("cannot write \(file.path): \(error)")
    }
    return file
  }

  static func write(_ data: Data, in folder: URL, name: String) throws -> URL {
    try writeAtomically(data, to: folder.appendingPathComponent(name))
  }

  /// Media types of the files the server writes or shows.
  static func contentType(_ name: String) -> String {
    switch (name as NSString).pathExtension.lowercased() {
    case "png": return "image/png"
    case "jpg", "jpeg": return "image/jpeg"
    case "gif": return "image/gif"
    case "webp": return "image/webp"
    case "tif", "tiff": return "image/tiff"
    case "json": return "application/json"
    case "csv": return "text/csv; charset=utf-8"
    case "txt", "log", "md": return "text/plain; charset=utf-8"
    default: return "application/octet-stream"
    }
  }

  /// A regular file (not a link, not a folder) directly inside `folder`, or nil.
  static func regularFile(named name: String, in folder: URL) -> URL? {
    guard isPlainName(name) else { return nil }
    let url = folder.appendingPathComponent(name)
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
      attributes[.type] as? FileAttributeType == .typeRegular
    else { return nil }
    return url
  }
}

extension ServeAPI {
  /// Files a response may carry at most (artifacts can be large; the viewer shows images).
  static let maxServedFileBytes = 64 << 20

  /// `GET /api/files/NAME`: a file the server saved. Only plain names of regular files directly
  /// in the output folder are served; anything else is a 4xx naming the rule.
  func outputFile(_ name: String) throws -> APIResponse {
    guard OutputFiles.isPlainName(name) else {
      throw ServeError.badRequest(
        "`\(name)` is not a plain file name (letters, digits, . _ -; no leading dot): only files the server saved are served")
    }
    guard let url = OutputFiles.regularFile(named: name, in: configuration.outputFolder) else {
      throw ServeError.notFound("no saved file `\(name)` in the output folder \(configuration.outputFolder.path)")
    }
    return try fileResponse(url)
  }

  /// A known file's bytes with its media type, bounded in size.
  func fileResponse(_ url: URL) throws -> APIResponse {
    let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? NSNumber)?.intValue ?? 0
    guard size <= Self.maxServedFileBytes else {
      throw ServeError.tooLarge("\(url.lastPathComponent) has \(size) bytes; files over \(Self.maxServedFileBytes >> 20) MB are not served")
    }
    let data: Data
    do { data = try Data(contentsOf: url) } catch { throw ServeError.notFound("cannot read \(url.lastPathComponent): \(error.localizedDescription)") }
    return APIResponse(
      contentType: OutputFiles.contentType(url.lastPathComponent), body: data,
      headers: ["Content-Disposition": "inline; filename=\"\(url.lastPathComponent)\"", "Cache-Control": "no-cache"])
  }
}
