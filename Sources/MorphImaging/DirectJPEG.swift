import CVips
import Foundation

/// A JPEG decoded with libjpeg-turbo directly, for the training input path (see
/// `Sources/CVips/include/cvips_jpeg.h` for why). Only plain files open: 8-bit, three
/// components (YCbCr or RGB). Everything else — and every failure — is left to the libvips
/// path, so messages for bad files stay libvips' and the result never depends on which path ran.
final class DirectJPEG {
  private let handle: OpaquePointer
  let width: Int
  let height: Int
  /// EXIF orientation, 1 (upright) when absent.
  let orientation: Int

  /// Opens `url`'s header, or returns nil when the direct path does not handle the file.
  static func open(_ url: URL) -> DirectJPEG? {
    var handle: OpaquePointer?
    var (width, height, orientation): (Int32, Int32, Int32) = (0, 0, 1)
    let rc = cvips_jpeg_open(url.path, &handle, &width, &height, &orientation)
    guard Int(rc) == CVIPS_JPEG_OK, let handle else { return nil }
    return DirectJPEG(handle: handle, width: Int(width), height: Int(height), orientation: Int(orientation))
  }

  private init(handle: OpaquePointer, width: Int, height: Int, orientation: Int) {
    self.handle = handle
    self.width = width
    self.height = height
    self.orientation = orientation
  }

  deinit { cvips_jpeg_close(handle) }

  /// Decodes at 1/`shrink` and warps by `map` (decoded pixels → output pixels) into `slice`
  /// (3 × height × width floats). Returns false when decoding failed; `slice` is then untouched.
  func decodeAndWarp(
    shrink: Int, failOnTruncation: Bool, by map: AffineTransform, into slice: UnsafeMutableBufferPointer<Float>,
    width: Int, height: Int, levels: (gain: Double, offset: Double), border: WarpBorder,
    normalisation: Normalisation
  ) -> Bool {
    guard slice.count == 3 * width * height, let base = slice.baseAddress, let inv = map.inverseWarpCoefficients else {
      return false
    }
    let (scale, offset) = normalisation.scaleAndOffset
    let rc = cvips_jpeg_decode_warp_to_chw(
      handle, Int32(shrink), failOnTruncation ? 1 : 0, inv, Int32(width), Int32(height), border.rawValue,
      Float(levels.gain), Float(levels.offset), scale, offset, base)
    return Int(rc) == CVIPS_JPEG_OK
  }
}
