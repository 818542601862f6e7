import CVips
import Foundation

/// How a warp samples between pixels.
public enum Interpolation: Int32, Sendable {
  case nearest = 0
  case bilinear = 1
  case bicubic = 2
  /// libvips' edge-preserving "locally bounded bicubic" (less halo than bicubic).
  case lbb = 3
}

/// What a warp puts where the output maps outside the input.
public enum WarpBorder: Int32, Sendable {
  case black = 0
  /// Repeat the nearest edge pixel.
  case edge = 1
}

// MARK: - Geometry and point operations

extension VipsImage {
  /// The rectangle at (left, top) of the given size; it must lie inside the image.
  public func crop(left: Int, top: Int, width: Int, height: Int) throws -> VipsImage {
    guard left >= 0, top >= 0, width > 0, height > 0, left + width <= self.width,
      top + height <= self.height
    else {
      throw ImagingError.invalidArgument(
        "crop \(width)×\(height) at (\(left), \(top)) does not fit a \(self.width)×\(self.height) image")
    }
    return try VipsImage.make("crop") {
      cvips_crop(pointer, Int32(left), Int32(top), Int32(width), Int32(height), $0)
    }
  }

  /// Resamples to exactly `width × height` with a Lanczos3 kernel (antialiased when shrinking).
  public func resized(width: Int, height: Int) throws -> VipsImage {
    guard width > 0, height > 0 else {
      throw ImagingError.invalidArgument("resize to \(width)×\(height): sizes must be positive")
    }
    if width == self.width, height == self.height { return self }
    let image = try VipsImage.make("resize to \(width)×\(height)") {
      cvips_resize(pointer, Double(width) / Double(self.width), Double(height) / Double(self.height), $0)
    }
    // libvips rounds the output size; make it exact so callers can rely on it.
    if image.width == width, image.height == height { return image }
    return try image.fitted(width: width, height: height)
  }

  /// Crops or pads (with edge pixels) to exactly `width × height` from the top-left.
  private func fitted(width: Int, height: Int) throws -> VipsImage {
    let edge = [Double](repeating: 0, count: bands)
    let padded = try VipsImage.make("pad") {
      cvips_embed(pointer, 0, 0, Int32(max(width, self.width)), Int32(max(height, self.height)),
                  edge, Int32(edge.count), $0)
    }
    return try padded.crop(left: 0, top: 0, width: width, height: height)
  }

  /// Mirrors left to right.
  public func flippedHorizontally() throws -> VipsImage {
    try VipsImage.make("flip") { cvips_flip_horizontal(pointer, $0) }
  }

  /// Resamples through `transform` (input → output pixel coordinates) into a
  /// `width × height` output, in a single pass.
  ///
  /// When the transform shrinks by more than 2×, the image is first reduced with an
  /// antialiasing Lanczos filter so the warp does not alias; the transform is adjusted so
  /// the geometry is unchanged.
  public func warped(
    by transform: AffineTransform, width: Int, height: Int,
    interpolation: Interpolation = .bilinear, border: WarpBorder = .black
  ) throws -> VipsImage {
    guard width > 0, height > 0 else {
      throw ImagingError.invalidArgument("warp to \(width)×\(height): sizes must be positive")
    }
    guard transform.inverse != nil, [transform.a, transform.b, transform.c, transform.d,
      transform.tx, transform.ty].allSatisfy(\.isFinite)
    else { throw ImagingError.invalidArgument("warp: transform \(transform) is singular") }
    var source = self
    var map = transform
    let scale = abs(transform.determinant).squareRoot()
    if scale < 0.5 {
      let factor = scale
      let w = max(1, Int((Double(self.width) * factor).rounded()))
      let h = max(1, Int((Double(self.height) * factor).rounded()))
      source = try resized(width: w, height: h)
      // Lanczos resize maps pixel centres as X + ½ = (x + ½)·(w / W).
      let (fx, fy) = (Double(w) / Double(self.width), Double(h) / Double(self.height))
      let reduce = AffineTransform(a: fx, b: 0, c: 0, d: fy, tx: 0.5 * fx - 0.5, ty: 0.5 * fy - 0.5)
      guard let undo = reduce.inverse else { throw ImagingError.invalidArgument("warp: bad reduce") }
      map = undo.then(transform)
    }
    if border == .edge {
      // libvips extends edges only by the interpolator's window; pad the input with repeated
      // edge pixels far enough to cover every output pixel, as the fused tensor warp does.
      (source, map) = try source.paddedWithEdges(covering: map, width: width, height: height)
    }
    return try VipsImage.make("warp to \(width)×\(height)") {
      cvips_affine_ext(source.pointer, map.a, map.b, map.c, map.d, map.tx, map.ty,
                       Int32(width), Int32(height), interpolation.rawValue, border.rawValue, $0)
    }
  }

  /// This image padded with repeated edge pixels so that the inverse of `map` lands inside it for
  /// every pixel of a `width × height` output, with `map` adjusted to the padded image.
  private func paddedWithEdges(covering map: AffineTransform, width: Int, height: Int) throws
    -> (VipsImage, AffineTransform)
  {
    guard let inverse = map.inverse else { throw ImagingError.invalidArgument("warp: singular map") }
    let corners = [(-1.0, -1.0), (Double(width), -1.0), (-1.0, Double(height)), (Double(width), Double(height))]
      .map { inverse.apply(ImagePoint(x: $0.0, y: $0.1)) }
    let limit = 4 * max(self.width, self.height) + 16
    func clampMargin(_ value: Double) -> Int { max(0, min(limit, Int(value.rounded(.up)) + 2)) }
    let left = clampMargin(-(corners.map(\.x).min() ?? 0))
    let top = clampMargin(-(corners.map(\.y).min() ?? 0))
    let right = clampMargin((corners.map(\.x).max() ?? 0) - Double(self.width - 1))
    let bottom = clampMargin((corners.map(\.y).max() ?? 0) - Double(self.height - 1))
    if left + top + right + bottom == 0 { return (self, map) }
    let padded = try VipsImage.make("pad edges") {
      cvips_embed_edge(pointer, Int32(left), Int32(top), Int32(self.width + left + right),
                       Int32(self.height + top + bottom), $0)
    }
    return (padded, AffineTransform.translation(dx: -Double(left), dy: -Double(top)).then(map))
  }

  /// Per-pixel `v·gain + offset`, rounded and clamped back to 8 bits.
  public func linear(gain: Double, offset: Double) throws -> VipsImage {
    try VipsImage.make("linear") { cvips_linear_uchar(pointer, gain, offset, $0) }
  }

  /// Computes the pixels now into a private memory image. Later operations then start from
  /// decoded pixels, and decoding errors surface here rather than at a later write.
  public func materialised() throws -> VipsImage {
    try VipsImage.make("decode pixels") { cvips_decode(pointer, VipsImage.smallImagePixels, $0) }
  }
}
