import CVips
import Foundation

/// Animated GIF and WebP of a sequence of frames (e.g. an attribute transition).
public enum Animation {
  /// File types `save` writes.
  public static let suffixes = ["gif", "webp"]

  /// The frames in playing order; with `pingPong` the sequence runs forward then back
  /// (without repeating the end frames), so a looping animation has no jump.
  public static func sequence(_ frames: [VipsImage], pingPong: Bool) -> [VipsImage] {
    guard pingPong, frames.count > 2 else { return frames }
    return frames + frames.dropFirst().dropLast().reversed()
  }

  /// libimagequant effort of GIF palettes (1…10) unless told otherwise. Palette search is
  /// most of an animation's cost: on 14 face frames of 128 px, effort 4 took 0.13 s of CPU
  /// against 0.23 s for libvips' default 7, at 47.2 against 47.6 dB.
  public static let defaultGIFEffort = 4

  /// Saves `frames` (all the same size) as a looping animated GIF or WebP, chosen by suffix,
  /// each shown for `delayMilliseconds`; `gifEffort` (1…10) trades GIF palette quality for time.
  public static func save(
    _ frames: [VipsImage], to url: URL, pingPong: Bool = false, delayMilliseconds: Int = 100,
    gifEffort: Int = defaultGIFEffort
  ) throws {
    let suffix = url.pathExtension.lowercased()
    guard suffixes.contains(suffix) else {
      throw ImagingError.invalidArgument(
        "\(url.path): animations are saved as .gif or .webp, not .\(suffix)")
    }
    guard let first = frames.first else {
      throw ImagingError.invalidArgument("\(url.path): an animation needs at least one frame")
    }
    guard delayMilliseconds >= 10, delayMilliseconds <= 60_000 else {
      throw ImagingError.invalidArgument(
        "\(url.path): frame delay \(delayMilliseconds) ms must be 10…60000")
    }
    guard (1...10).contains(gifEffort) else {
      throw ImagingError.invalidArgument("\(url.path): GIF effort \(gifEffort) must be 1…10")
    }
    let converted = try frames.map { try $0.srgb8() }
    for (index, frame) in converted.enumerated()
    where frame.width != first.width || frame.height != first.height {
      throw ImagingError.invalidArgument(
        "\(url.path): frame \(index) is \(frame.width)×\(frame.height), frame 0 is "
          + "\(first.width)×\(first.height); all frames must be the same size")
    }
    let ordered = sequence(converted, pingPong: pingPong)
    var pointers: [UnsafeMutablePointer<CVips.VipsImage>?] = ordered.map { $0.pointer }
    let strip = try VipsImage.make("join \(ordered.count) frames") {
      cvips_join_vertical(&pointers, Int32(pointers.count), $0)
    }
    // Encoded in memory and written by AtomicFile: atomic, and never through a planted symlink.
    var buffer: UnsafeMutableRawPointer?
    var length = 0
    try withExtendedLifetime(ordered) {
      guard cvips_save_animation_buffer(
        strip.pointer, "." + suffix, Int32(first.height), Int32(ordered.count), Int32(delayMilliseconds),
        Int32(gifEffort), &buffer, &length) == 0
      else { throw ImagingError.vips("save \(url.path): \(Vips.takeError())") }
    }
    guard let buffer else { throw ImagingError.vips("save \(url.path): libvips returned no data") }
    defer { g_free(buffer) }
    try AtomicFile.write(UnsafeRawBufferPointer(start: buffer, count: length), to: url)
  }
}

extension VipsImage {
  /// Number of frames (pages) in the file this image was loaded from; 1 for still images.
  public var pageCount: Int { Int(cvips_page_count(pointer)) }

  /// Loads every frame of an animated GIF/WebP (or every page of a TIFF), top to bottom in one
  /// tall image of `pageCount` equal frames.
  public static func loadAllPages(_ url: URL) throws -> VipsImage {
    try make("\(url.path)") { cvips_load_all_pages(url.path, $0) }
  }
}
