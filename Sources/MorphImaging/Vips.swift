import CVips
import Foundation

/// Process-wide libvips set-up: initialised once, on first use.
public enum Vips {
  private static let initResult: Int32 = cvips_init("morph")

  /// Initialise libvips (idempotent); throws when the library cannot start.
  public static func ensureInitialised() throws {
    if initResult != 0 { throw ImagingError.vips("libvips failed to initialise: \(takeError())") }
  }

  /// Takes the pending libvips error message (and clears it).
  static func takeError() -> String {
    guard let raw = cvips_error_take() else { return "unknown libvips error" }
    defer { g_free(raw) }
    let text = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? "unknown libvips error" : text
  }
}

/// Errors from image loading, processing and saving.
public enum ImagingError: Error, CustomStringConvertible {
  case vips(String)

  public var description: String {
    switch self {
    case .vips(let message): return message
    }
  }
}
