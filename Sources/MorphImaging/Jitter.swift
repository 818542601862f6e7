import Foundation

/// Ranges of the random training augmentation.
public struct JitterOptions: Equatable, Sendable {
  /// Largest shift in each direction, as a fraction of the output side (the reference shifts up
  /// to ±10 px at a 160 px crop: 0.0625).
  public var maxShift: Double
  /// Zoom factor range (> 1 shows more of the photo).
  public var scale: ClosedRange<Double>
  /// Largest rotation in each direction, in degrees.
  public var maxRotationDegrees: Double
  /// Chance of a left–right mirror.
  public var flipProbability: Double
  /// Largest brightness change in each direction, as a fraction of full scale (0.1 = ±25.5 levels).
  public var maxBrightness: Double
  /// Largest relative contrast change in each direction (0.1 = ×0.9…×1.1 about mid-grey).
  public var maxContrast: Double

  public init(
    maxShift: Double = 10.0 / 160.0, scale: ClosedRange<Double> = 0.95...1.05,
    maxRotationDegrees: Double = 5, flipProbability: Double = 0.5, maxBrightness: Double = 0.05,
    maxContrast: Double = 0.05
  ) {
    self.maxShift = maxShift
    self.scale = scale
    self.maxRotationDegrees = maxRotationDegrees
    self.flipProbability = flipProbability
    self.maxBrightness = maxBrightness
    self.maxContrast = maxContrast
  }

  /// Geometry only, as in the reference and the Pillow anchor: no brightness/contrast change.
  public static let geometric = JitterOptions(maxBrightness: 0, maxContrast: 0)
}

/// One draw of the augmentation for one item in one epoch.
public struct JitterSample: Equatable, Sendable {
  /// Shift as a fraction of the output side.
  public var shiftX: Double
  public var shiftY: Double
  public var scale: Double
  public var rotationRadians: Double
  public var flip: Bool
  /// Added to every level, as a fraction of full scale.
  public var brightness: Double
  /// Multiplies deviations from mid-grey.
  public var contrast: Double

  /// The geometric part as a map of a `width × height` output onto itself: zoom and rotate about
  /// the centre, shift, then mirror. Compose it after an alignment transform.
  public func transform(width: Int, height: Int) -> AffineTransform {
    let centre = ImagePoint(x: Double(width - 1) / 2, y: Double(height - 1) / 2)
    // Showing `scale`× more of the photo means shrinking it by 1/scale.
    var map = AffineTransform.scale(x: 1 / scale, y: 1 / scale)
      .then(.rotation(radians: rotationRadians)).about(centre)
      .then(.translation(dx: shiftX * Double(width), dy: shiftY * Double(height)))
    if flip {
      map = map.then(AffineTransform(a: -1, b: 0, c: 0, d: 1, tx: Double(width - 1), ty: 0))
    }
    return map
  }

  /// Brightness/contrast as the per-level map v → gain·v + offset (on 0…255 levels).
  public var levels: (gain: Double, offset: Double) {
    (contrast, 127.5 * (1 - contrast) + brightness * 255)
  }

  /// True when the photometric part changes nothing.
  public var isPhotometricIdentity: Bool { brightness == 0 && contrast == 1 }
}

/// Seeded, reproducible training augmentation: the same (seed, item, epoch) always gives the
/// same shift, zoom, rotation, flip and brightness/contrast — whatever order items run in.
public struct Jitter: Sendable {
  public var seed: UInt64
  public var options: JitterOptions

  public init(seed: UInt64, options: JitterOptions = JitterOptions()) {
    self.seed = seed
    self.options = options
  }

  /// The augmentation drawn for `item` in `epoch`.
  public func sample(item: Int, epoch: Int) -> JitterSample {
    var random = SeededRandom(seed: seed, item: item, epoch: epoch)
    let o = options
    // Draw every value even when its range is empty, so each stays put when another changes.
    let shiftX = random.uniform(-o.maxShift...o.maxShift)
    let shiftY = random.uniform(-o.maxShift...o.maxShift)
    let scale = random.uniform(o.scale)
    let rotation = random.uniform(-o.maxRotationDegrees...o.maxRotationDegrees) * .pi / 180
    let flip = random.uniform(0...1) < o.flipProbability
    let brightness = random.uniform(-o.maxBrightness...o.maxBrightness)
    let contrast = 1 + random.uniform(-o.maxContrast...o.maxContrast)
    return JitterSample(
      shiftX: shiftX, shiftY: shiftY, scale: scale, rotationRadians: rotation, flip: flip,
      brightness: brightness, contrast: contrast)
  }

  /// Augments an already aligned image (output has the same size): one warp, then the
  /// brightness/contrast point operation (not a resample).
  public func apply(
    _ image: VipsImage, item: Int, epoch: Int, interpolation: Interpolation = .bilinear,
    border: WarpBorder = .edge
  ) throws -> VipsImage {
    try apply(
      image, item: item, epoch: epoch, after: .identity, width: image.width, height: image.height,
      interpolation: interpolation, border: border)
  }

  /// Aligns and augments in a single resample: `alignment` (input → output, e.g.
  /// `Align.celebaCropTransform`) followed by this item's jitter.
  public func apply(
    _ image: VipsImage, item: Int, epoch: Int, after alignment: AffineTransform, width: Int,
    height: Int, interpolation: Interpolation = .bilinear, border: WarpBorder = .edge
  ) throws -> VipsImage {
    let draw = sample(item: item, epoch: epoch)
    let map = alignment.then(draw.transform(width: width, height: height))
    let warped = try image.warped(
      by: map, width: width, height: height, interpolation: interpolation, border: border)
    if draw.isPhotometricIdentity { return warped }
    let levels = draw.levels
    return try warped.linear(gain: levels.gain, offset: levels.offset)
  }
}
