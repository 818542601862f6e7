/// Where a model's edit changes a face: a soft per-pixel mask in 0…1 from the model's own
/// reconstruction and its edited output (same size, interleaved RGB bytes).
///
/// Used by masked composition (`DetailTransfer.Composition.masked`): the edited output where
/// the edit reaches, the photo everywhere else. The mask is the per-pixel largest channel
/// difference, box-blurred so isolated decoder noise does not count, mapped through a
/// smoothstep between `low` and `high`, grown by a max filter (a thin edit — a line, a brow —
/// is covered with a margin, not just along its centre) and blurred to feather its edge. Radii are
/// fractions of the image width, so the same mask comes out at any resolution.
public struct ChangeMask: Sendable, Equatable {
  /// Difference (0…1) below which a pixel counts as unchanged.
  public var low: Float
  /// Difference (0…1) from which a pixel counts as fully changed.
  public var high: Float
  /// Radius of the blur before thresholding, as a fraction of the width.
  public var smoothing: Double
  /// Radius of the max filter after thresholding, as a fraction of the width.
  public var grow: Double
  /// Radius of the blur after growing (the feathered edge), as a fraction of the width.
  public var feather: Double

  /// Defaults chosen on the synthetic faces (demo model, 200 pairs of `morph eval
  /// interpolation --seed 1` among four settings): decoder noise between a reconstruction and
  /// an edit of another group mostly stays under 3/255, while the faintest edits the decoder
  /// draws (forehead lines at 64 px) differ by about 10/255. Higher thresholds missed those
  /// (age transfer 0.14 at 0.03–0.08 without growing); lower ones repaint more of the face.
  public init(low: Float = 0.01, high: Float = 0.04, smoothing: Double = 0.01, grow: Double = 0.03, feather: Double = 0.03) {
    self.low = low
    self.high = high
    self.smoothing = smoothing
    self.grow = grow
    self.feather = feather
  }

  /// The mask of redrawn composition (`DetailTransfer.Composition.redraw`): only changes the
  /// photo's detail must give way to count. Below it the photo plus the model's change already
  /// carries a recolouring or a faint line, sharper than the decoded face; above it, where the
  /// edit redraws (a beard removed, a fringe added), the photo's own detail would ghost through.
  /// Chosen on the synthetic faces (demo model, `morph eval interpolation --model
  /// homointerp-redraw`, 200 pairs of `--seed 1` among ten settings, the best four also
  /// on `--seed 2`, then checked on seeds 3 and 4): lower thresholds or a wider margin repaint more of the face at
  /// the decoder's blur, higher ones keep ghosts of removed features.
  public static let redraw = ChangeMask(low: 0.05, high: 0.15, smoothing: 0.01, grow: 0.02, feather: 0.03)

  /// What is wrong with the thresholds (nil unless `0 ≤ low < high ≤ 1` fails).
  public var thresholdProblem: String? {
    low >= 0 && high <= 1 && low < high
      ? nil : "change mask: thresholds must satisfy 0 ≤ low < high ≤ 1, got \(low) and \(high)"
  }

  /// What is wrong with the radii (nil unless one is outside 0…0.5).
  public var radiusProblem: String? {
    [smoothing, grow, feather].allSatisfy({ (0...0.5).contains($0) })
      ? nil : "change mask: radii must be fractions of the width in 0…0.5, got \(smoothing), \(grow) and \(feather)"
  }

  /// Throws unless `0 ≤ low < high ≤ 1` and all three radii are in 0…0.5.
  public func validate() throws {
    if let problem = thresholdProblem ?? radiusProblem { throw ImagingError.invalidArgument(problem) }
  }

  /// The mask (width × height values, row-major) of the change from `reconstruction` to
  /// `edited`, both `width × height × 3` bytes.
  public func mask(reconstruction: [UInt8], edited: [UInt8], width: Int, height: Int) throws -> [Float] {
    try validate()
    let count = width * height
    guard width > 0, height > 0, reconstruction.count == count * 3, edited.count == count * 3 else {
      throw ImagingError.invalidArgument(
        "change mask: expected two \(width)×\(height) RGB images (\(count * 3) bytes), got \(reconstruction.count) and \(edited.count) bytes")
    }
    var values = [Float](repeating: 0, count: count)
    for p in 0..<count {
      var largest: Int32 = 0
      for c in 0..<3 { largest = max(largest, abs(Int32(edited[p * 3 + c]) - Int32(reconstruction[p * 3 + c]))) }
      values[p] = Float(largest) / 255
    }
    var scratch = [Float](repeating: 0, count: count)
    Self.boxBlur(&values, scratch: &scratch, width: width, height: height, radius: Self.radius(smoothing, width: width))
    let span = high - low
    for p in 0..<count {
      let t = min(max((values[p] - low) / span, 0), 1)
      values[p] = t * t * (3 - 2 * t)
    }
    Self.maxFilter(&values, scratch: &scratch, width: width, height: height, radius: Self.radius(grow, width: width))
    Self.boxBlur(&values, scratch: &scratch, width: width, height: height, radius: Self.radius(feather, width: width))
    return values
  }

  /// `mask · edited + (1 − mask) · photo` per pixel (all three the same size), rounded.
  public static func compose(photo: [UInt8], edited: [UInt8], mask: [Float]) throws -> [UInt8] {
    guard photo.count == edited.count, photo.count == mask.count * 3 else {
      throw ImagingError.invalidArgument(
        "masked composition: photo \(photo.count) bytes, edit \(edited.count) bytes and mask \(mask.count) pixels do not match")
    }
    var out = [UInt8](repeating: 0, count: photo.count)
    for i in 0..<photo.count {
      let m = mask[i / 3]
      out[i] = UInt8(clamping: Int(blended(photo: Float(photo[i]), edited: Float(edited[i]), mask: m).rounded()))
    }
    return out
  }

  /// Redrawn composition per pixel: `edited` where the mask is 1, detail transfer's
  /// `photo + edited − reconstruction` where it is 0, blended between; rounded and clamped.
  public static func composeRedrawn(photo: [UInt8], reconstruction: [UInt8], edited: [UInt8], mask: [Float]) throws -> [UInt8] {
    guard photo.count == edited.count, photo.count == reconstruction.count, photo.count == mask.count * 3 else {
      throw ImagingError.invalidArgument(
        "redrawn composition: photo \(photo.count) bytes, reconstruction \(reconstruction.count) bytes, edit \(edited.count) "
          + "bytes and mask \(mask.count) pixels do not match")
    }
    var out = [UInt8](repeating: 0, count: photo.count)
    for i in 0..<photo.count {
      let value = redrawn(photo: Float(photo[i]), reconstruction: Float(reconstruction[i]), edited: Float(edited[i]), mask: mask[i / 3], ceiling: 255)
      out[i] = UInt8(clamping: Int(value.rounded()))
    }
    return out
  }

  /// One value of redrawn composition: `m · edited + (1 − m) · clamp(photo + edited −
  /// reconstruction, 0, ceiling)`, all on the same scale (bytes with ceiling 255, or 0…1).
  @inlinable
  public static func redrawn(photo: Float, reconstruction: Float, edited: Float, mask m: Float, ceiling: Float) -> Float {
    blended(photo: changed(photo: photo, reconstruction: reconstruction, edited: edited, ceiling: ceiling), edited: edited, mask: m)
  }

  /// One value of masked composition: `m · edited + (1 − m) · photo`.
  @inlinable
  public static func blended(photo: Float, edited: Float, mask m: Float) -> Float {
    m * edited + (1 - m) * photo
  }

  /// One value of detail transfer: `photo + edited − reconstruction` clamped to 0…ceiling,
  /// all on the same scale (bytes with ceiling 255, or 0…1).
  @inlinable
  public static func changed(photo: Float, reconstruction: Float, edited: Float, ceiling: Float) -> Float {
    min(max(photo + edited - reconstruction, 0), ceiling)
  }

  /// A fraction of the width as a whole radius in pixels (at least 1 when the fraction is
  /// positive, so small images are smoothed too).
  static func radius(_ fraction: Double, width: Int) -> Int {
    fraction <= 0 ? 0 : max(1, Int((fraction * Double(width)).rounded()))
  }

  /// Separable max filter (a square window of side 2·radius + 1) in place.
  static func maxFilter(_ values: inout [Float], scratch: inout [Float], width: Int, height: Int, radius: Int) {
    guard radius > 0 else { return }
    values.withUnsafeMutableBufferPointer { v in
      scratch.withUnsafeMutableBufferPointer { s in
        for y in 0..<height {
          let row = y * width
          for x in 0..<width {
            var m = v[row + x]
            for t in max(0, x - radius)...min(width - 1, x + radius) { m = max(m, v[row + t]) }
            s[row + x] = m
          }
        }
        for x in 0..<width {
          for y in 0..<height {
            var m = s[y * width + x]
            for t in max(0, y - radius)...min(height - 1, y + radius) { m = max(m, s[t * width + x]) }
            v[y * width + x] = m
          }
        }
      }
    }
  }

  /// Separable box blur of radius `radius` in place; edges average over the pixels inside.
  static func boxBlur(_ values: inout [Float], scratch: inout [Float], width: Int, height: Int, radius: Int) {
    guard radius > 0 else { return }
    values.withUnsafeMutableBufferPointer { v in
      scratch.withUnsafeMutableBufferPointer { s in
        // Rows: v → s.
        for y in 0..<height {
          let row = y * width
          var sum: Float = 0
          for x in 0...min(radius, width - 1) { sum += v[row + x] }
          for x in 0..<width {
            let lo = max(0, x - radius), hi = min(width - 1, x + radius)
            s[row + x] = sum / Float(hi - lo + 1)
            if x + radius + 1 < width { sum += v[row + x + radius + 1] }
            if x - radius >= 0 { sum -= v[row + x - radius] }
          }
        }
        // Columns: s → v.
        for x in 0..<width {
          var sum: Float = 0
          for y in 0...min(radius, height - 1) { sum += s[y * width + x] }
          for y in 0..<height {
            let lo = max(0, y - radius), hi = min(height - 1, y + radius)
            v[y * width + x] = sum / Float(hi - lo + 1)
            if y + radius + 1 < height { sum += s[(y + radius + 1) * width + x] }
            if y - radius >= 0 { sum -= s[(y - radius) * width + x] }
          }
        }
      }
    }
  }
}
