import Foundation

/// Where the catalog file lives unless a command or recipe says otherwise.
public enum CatalogLocation {
  /// `.morph/catalog.sqlite` below the current directory.
  public static let defaultPath = ".morph/catalog.sqlite"

  /// Resolves a user-supplied path (or the default) to an absolute file URL.
  public static func resolve(_ path: String?) -> URL {
    URL(fileURLWithPath: path ?? defaultPath).standardizedFileURL
  }
}
