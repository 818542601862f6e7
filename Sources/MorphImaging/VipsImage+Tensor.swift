import CVips
import Foundation

extension VipsImage {
  /// Warps this 8-bit sRGB image through `transform` (input → output pixels, bilinear) straight
  /// into a normalised CHW slice of `3 × height × width` floats — one pass, no intermediate
  /// image. `levels` (gain, offset) is applied to 0…255 levels first and clamped, as
  /// `linear(gain:offset:)` would.
  public func warp(
    by transform: AffineTransform, into slice: UnsafeMutableBufferPointer<Float>, width: Int,
    height: Int, levels: (gain: Double, offset: Double) = (1, 0), border: WarpBorder = .edge,
    normalisation: Normalisation = .imageNet
  ) throws {
    guard width > 0, height > 0, slice.count == 3 * width * height, let base = slice.baseAddress else {
      throw ImagingError.invalidArgument(
        "warp into \(slice.count) floats does not fit 3×\(height)×\(width)")
    }
    guard let inv = transform.inverseWarpCoefficients else {
      throw ImagingError.invalidArgument("warp: transform \(transform) is singular")
    }
    let source = try srgb8()
    let (scale, offset) = normalisation.scaleAndOffset
    let rc = cvips_warp_to_chw(
      source.pointer, inv, Int32(width), Int32(height), border.rawValue, Float(levels.gain),
      Float(levels.offset), scale, offset, base)
    guard rc == 0 else { throw ImagingError.vips("warp to tensor: \(Vips.takeError())") }
  }
}

extension VipsImage {
  /// As `warp(by:into:…)` for an image not yet decoded (e.g. from `ImageLoader.open`): a small
  /// image is decoded in the calling thread and warped from the decoder's buffer, skipping the
  /// decoded copy. Decoding errors (truncated files) surface here.
  func decodeAndWarp(
    by transform: AffineTransform, into slice: UnsafeMutableBufferPointer<Float>, width: Int,
    height: Int, levels: (gain: Double, offset: Double), border: WarpBorder,
    normalisation: Normalisation
  ) throws {
    guard width > 0, height > 0, slice.count == 3 * width * height, let base = slice.baseAddress else {
      throw ImagingError.invalidArgument(
        "warp into \(slice.count) floats does not fit 3×\(height)×\(width)")
    }
    guard let inv = transform.inverseWarpCoefficients else {
      throw ImagingError.invalidArgument("warp: transform \(transform) is singular")
    }
    let (scale, offset) = normalisation.scaleAndOffset
    let rc = cvips_decode_warp_to_chw(
      pointer, VipsImage.smallImagePixels, inv, Int32(width), Int32(height), border.rawValue,
      Float(levels.gain), Float(levels.offset), scale, offset, base)
    guard rc == 0 else { throw ImagingError.vips("decode: \(Vips.takeError())") }
  }
}
