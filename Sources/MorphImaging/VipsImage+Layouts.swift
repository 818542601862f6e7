import CVips
import Foundation

/// The colour interpretation libvips attaches to an image's bands.
public enum ColourInterpretation: Sendable, Equatable {
  case srgb, rgb16, grey, grey16, cmyk, other(Int)

  init(raw: Int32) {
    switch raw {
    case Int32(VIPS_INTERPRETATION_sRGB.rawValue): self = .srgb
    case Int32(VIPS_INTERPRETATION_RGB16.rawValue): self = .rgb16
    case Int32(VIPS_INTERPRETATION_B_W.rawValue): self = .grey
    case Int32(VIPS_INTERPRETATION_GREY16.rawValue): self = .grey16
    case Int32(VIPS_INTERPRETATION_CMYK.rawValue): self = .cmyk
    default: self = .other(Int(raw))
    }
  }

  var raw: Int32 {
    switch self {
    case .srgb: return Int32(VIPS_INTERPRETATION_sRGB.rawValue)
    case .rgb16: return Int32(VIPS_INTERPRETATION_RGB16.rawValue)
    case .grey: return Int32(VIPS_INTERPRETATION_B_W.rawValue)
    case .grey16: return Int32(VIPS_INTERPRETATION_GREY16.rawValue)
    case .cmyk: return Int32(VIPS_INTERPRETATION_CMYK.rawValue)
    case .other(let value): return Int32(value)
    }
  }
}

extension VipsImage {
  /// Wraps interleaved 16-bit pixels (copied): 3 or 4 bands are RGB16(+alpha), 1 or 2 grey16.
  public convenience init(pixels16: [UInt16], width: Int, height: Int, bands: Int) throws {
    guard width > 0, height > 0, bands > 0, pixels16.count == width * height * bands else {
      throw ImagingError.vips(
        "16-bit pixel buffer of \(pixels16.count) values does not match \(width)×\(height)×\(bands)")
    }
    let image = try pixels16.withUnsafeBytes { raw in
      try VipsImage.make("wrap \(width)×\(height) 16-bit pixels") {
        cvips_from_memory_u16(raw.baseAddress, raw.count, Int32(width), Int32(height), Int32(bands), $0)
      }
    }
    g_object_ref(image.pointer)
    self.init(owning: image.pointer)
  }

  /// The colour interpretation of the bands (sRGB after `ImageLoader` normalises an image).
  public var interpretation: ColourInterpretation {
    ColourInterpretation(raw: cvips_interpretation(pointer))
  }

  /// True when each band sample is one byte.
  public var isEightBit: Bool {
    cvips_format(pointer) == Int32(VIPS_FORMAT_UCHAR.rawValue)
  }

  /// True while the pixels are computed on demand (a pipeline of operations, not yet in memory).
  var isLazy: Bool { cvips_is_lazy(pointer) != 0 }

  /// The same pixels tagged with another interpretation (e.g. to write a CMYK JPEG).
  public func tagged(as interpretation: ColourInterpretation) throws -> VipsImage {
    try VipsImage.make("retag") { cvips_set_interpretation(pointer, interpretation.raw, $0) }
  }

  /// Converts any band layout, colourspace and depth (grey, grey+alpha, RGBA, CMYK,
  /// 16-bit) to 8-bit sRGB with 3 bands; alpha is flattened onto white.
  public func srgb8() throws -> VipsImage {
    if bands == 3, isEightBit, interpretation == .srgb { return self }
    return try VipsImage.make("convert to 8-bit sRGB") { cvips_to_srgb8(pointer, $0) }
  }

  /// Rotates/flips upright according to the EXIF orientation tag (no-op without one).
  public func autorotated() throws -> VipsImage {
    try VipsImage.make("autorotate") { cvips_autorot(pointer, $0) }
  }
}

extension VipsImage {
  /// The same pixels with the EXIF orientation tag (1–8) set, as a camera writes it; JPEG
  /// saving stores it, and `ImageLoader` applies it.
  public func settingOrientation(_ orientation: Int) throws -> VipsImage {
    guard (1...8).contains(orientation) else {
      throw ImagingError.invalidArgument("EXIF orientation must be 1…8, got \(orientation)")
    }
    return try VipsImage.make("set orientation") { cvips_set_orientation(pointer, Int32(orientation), $0) }
  }
}
