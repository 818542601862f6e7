import CVips
import Foundation

/// Process-wide libvips set-up: initialised once, on first use.
public enum Vips {
  private static let initResult: Int32 = cvips_init("morph")

  /// Initialise libvips (idempotent); throws when the library cannot start.
  public static func ensureInitialised() throws {
    if initResult != 0 { throw ImagingError.vips("libvips failed to initialise: \(takeError())") }
  }

  /// Whether libvips runs its run-time generated SIMD code (Orc). Morph turns it off when it
  /// starts libvips: it crashed a test process once inside liborc.
  public static var vectorised: Bool {
    (try? ensureInitialised()) != nil && cvips_vector_enabled() != 0
  }

  /// Sets libvips' worker threads per image pipeline and its operation-cache limits.
  ///
  /// When Morph processes several items in parallel itself, one libvips thread per item
  /// avoids oversubscribing the cores. Keep the cache small for batch work over many files:
  /// every file is used once, so cached operations only hold memory.
  /// - Parameters:
  ///   - concurrency: threads per pipeline (nil leaves the current setting).
  ///   - cacheMaxOperations: operations kept in the cache (0 disables it; nil leaves it).
  ///   - cacheMaxMemoryBytes: memory the cache may hold (nil leaves it).
  public static func configure(
    concurrency: Int? = nil, cacheMaxOperations: Int? = nil, cacheMaxMemoryBytes: Int? = nil
  ) throws {
    try ensureInitialised()
    cvips_configure(
      Int32(concurrency ?? 0), Int32(cacheMaxOperations ?? -1), cacheMaxMemoryBytes ?? 0)
  }

  /// Whether libvips' own warnings (`error in tile …`) are printed as they happen. Off by
  /// default: the item's error already says what failed, and the warnings are kept for
  /// `takeWarnings()`.
  public static func echoWarnings(_ on: Bool) throws {
    try ensureInitialised()
    cvips_warnings_route(on ? 1 : 0)
  }

  /// The libvips warnings since the last call (and clears them); empty when none.
  public static func takeWarnings() -> [String] {
    guard let raw = cvips_warnings_take() else { return [] }
    defer { g_free(raw) }
    return String(cString: raw).split(separator: "\n").map(String.init)
  }

  /// Whether libvips' loader of this nickname (`svgload`) is switched off in this process; nil
  /// when this libvips has no such loader. Only the photo formats' loaders are on.
  public static func loaderIsBlocked(_ nickname: String) throws -> Bool? {
    try ensureInitialised()
    switch cvips_loader_blocked(nickname) {
    case 1: return true
    case 0: return false
    default: return nil
    }
  }

  /// Takes the pending libvips error message (and clears it).
  static func takeError() -> String {
    guard let raw = cvips_error_take() else { return "unknown libvips error" }
    defer { g_free(raw) }
    let text = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
    return text.isEmpty ? "unknown libvips error" : text
  }
}
