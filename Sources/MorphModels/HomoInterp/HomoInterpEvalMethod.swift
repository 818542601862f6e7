import Foundation
import MorphImaging
import MorphTensor

/// Runs a trained HomoInterp checkpoint inside the evaluation harness.
///
/// Faces arrive in CelebA's aligned layout (e.g. 178×218): the model sees the CelebA crop
/// (160 px, 15 px below centre) resized to its input size, exactly as in training; its output
/// is resized back to 160 px and pasted over the crop, the rest of the frame left as is.
public enum HomoInterpEvalMethod {
  /// How a latent pair becomes the edited latent.
  public enum Mode: String, Sendable {
    /// The model's interpolator: `F_a + v · T_g(F_b − F_a)` for the requested group.
    case homointerp
    /// Plain linear interpolation in the same latent space, `(1 − v)·F_a + v·F_b` (baseline).
    case latentLerp = "latent-lerp"
    /// The model's interpolator with detail transfer: the photo plus the *change* the model
    /// makes, `x + up(D(F_edit) − D(F_a))`, instead of the decoded face. What the model
    /// does not edit keeps the photo's full resolution; at strength 0 the output is the photo
    /// itself, so its reconstruction scores say nothing about the encoder and decoder.
    case detail = "homointerp-detail"
    /// The model's interpolator with masked composition: the decoded edit where it changes
    /// the face (`ChangeMask` of `D(F_a)` → `D(F_edit)`), the photo elsewhere. Like detail
    /// transfer the output at strength 0 is the photo; unlike it, an edit that removes
    /// something the photo draws sharper than the decoder removes all of it.
    case masked = "homointerp-masked"
    /// Detail transfer where the edit is slight, the decoded edit where it redraws the face:
    /// `m · D(F_edit) + (1 − m) · (x + D(F_edit) − D(F_a))`, `m` the change mask. Keeps the
    /// photo's sharpness through a recolouring, and lets an edit that removes something the
    /// photo draws sharply remove all of it.
    case redraw = "homointerp-redraw"

    /// Whether the output at strength 0 is the photo itself rather than its reconstruction.
    var keepsPhoto: Bool { self == .detail || self == .masked || self == .redraw }

    /// The change mask the mode uses unless told otherwise (`ChangeMask.redraw` for redraw).
    public var defaultMask: ChangeMask { self == .redraw ? .redraw : ChangeMask() }
  }

  /// A method named after `mode` backed by the checkpoint at `url`; `mask` is the change mask
  /// of `.masked` and `.redraw` (nil: the mode's `defaultMask`; the others ignore it).
  public static func method(_ mode: Mode, checkpoint url: URL, mask: ChangeMask? = nil) throws -> InterpolationMethod {
    // A bad mask is reported before the checkpoint is read.
    try (mask ?? mode.defaultMask).validate()
    return try method(mode, model: try HomoInterpModel.load(from: url), mask: mask)
  }

  /// The same, backed by a model already loaded (the method puts it in inference mode and
  /// owns it from then on: its calls must be the model's only use).
  public static func method(_ mode: Mode, model: HomoInterpModel, mask: ChangeMask? = nil) throws -> InterpolationMethod {
    let mask = mask ?? mode.defaultMask
    try mask.validate()
    model.eval()
    let lock = NSLock()
    let shared = UncheckedBox(model)
    let cache = UncheckedBox(LatentCache())
    return InterpolationMethod(name: mode.rawValue) { request in
      lock.lock()
      defer { lock.unlock() }
      let model = shared.value
      let groups = model.config.groups
      guard let g = groups.firstIndex(where: { $0.name == request.group.name }) else {
        throw HomoInterpError.badConfig(
          "the checkpoint has no group '\(request.group.name)' (it has \(groups.map(\.name).joined(separator: ", ")))")
      }
      let pair = try cache.value.pair(request.pairIndex) {
        let x = try Tensor.concat([input(request.source, size: model.config.imageSize), input(request.reference, size: model.config.imageSize)], axis: 0)
        let f = try model.encode(x)
        let fa = f.narrow(axis: 0, start: 0, length: 1)
        return CachedPair(
          source: fa, reference: f.narrow(axis: 0, start: 1, length: 1), reconstruction: try upscaled(try model.decode(fa)))
      }
      let v = Float(request.strength)
      // At strength 0 every mode's latent is the source's exactly: its decoding is cached.
      if v == 0 {
        return mode.keepsPhoto ? request.source : paste(pair.reconstruction, into: request.source)
      }
      let edited: Tensor
      switch mode {
      case .homointerp, .detail, .masked, .redraw:
        var strengths = [Float](repeating: 0, count: groups.count)
        strengths[g] = min(max(v, 0), 2)
        edited = try model.interpolate(source: pair.source, reference: pair.reference, strengths: strengths)
      case .latentLerp:
        edited = pair.source * (1 - v) + pair.reference * v
      }
      let decoded = try upscaled(try model.decode(edited))
      switch mode {
      case .detail: return pasteChange(from: pair.reconstruction, to: decoded, into: request.source)
      case .masked: return try pasteMasked(from: pair.reconstruction, to: decoded, into: request.source, mask: mask)
      case .redraw: return try pasteRedrawn(from: pair.reconstruction, to: decoded, into: request.source, mask: mask)
      case .homointerp, .latentLerp: break
      }
      return paste(decoded, into: request.source)
    }
  }

  /// The crop window of the CelebA alignment in an image of the given size.
  static func cropOrigin(width: Int, height: Int) -> (left: Int, top: Int) {
    let side = Align.celebaCropSide
    return ((width - side) / 2 + Align.celebaCropOffset.x, (height - side) / 2 + Align.celebaCropOffset.y)
  }

  /// The model input [1, 3, S, S] (symmetric) of an evaluation image.
  static func input(_ image: EvalImage, size: Int) throws -> Tensor {
    let vips = try VipsImage(pixels: image.bytes, width: image.width, height: image.height)
    let crop = try Align.celebaCrop(vips, size: size)
    let buffer = try ImageBatchBuffer(images: [crop], normalisation: .symmetric)
    return Tensor(shape: buffer.shape, scalars: buffer.data)
  }

  /// The decoded image [1, 3, S, S] resized to the crop (side² × 3 bytes).
  static func upscaled(_ decoded: Tensor) throws -> [UInt8] {
    let side = Align.celebaCropSide
    return try decodedImage(decoded).resized(width: side, height: side).pixels()
  }

  /// The decoded image [1, 3, S, S] as an 8-bit image.
  static func decodedImage(_ decoded: Tensor) throws -> VipsImage {
    try ImageBatchBuffer(shape: decoded.shape, data: decoded.scalars).image(at: 0, normalisation: .symmetric)
  }

  /// The decoded image [1, 3, S, S] resized to the crop and pasted into a copy of `frame`.
  static func paste(_ decoded: Tensor, into frame: EvalImage) throws -> EvalImage {
    try frame.withCelebACrop(decodedImage(decoded))
  }

  /// `frame` with `edited − reconstruction` (both crop-sized bytes) added inside the crop,
  /// clamped to [0, 1]: the model's change at the photo's resolution.
  static func pasteChange(from reconstruction: [UInt8], to edited: [UInt8], into frame: EvalImage) -> EvalImage {
    overwriteCrop(of: frame) { i, old in
      ChangeMask.changed(photo: old, reconstruction: Float(reconstruction[i]) / 255, edited: Float(edited[i]) / 255, ceiling: 1)
    }
  }

  /// `frame` with `edited` (crop-sized bytes) blended in inside the crop where the change
  /// mask of `reconstruction` → `edited` says the edit reaches.
  static func pasteMasked(
    from reconstruction: [UInt8], to edited: [UInt8], into frame: EvalImage, mask changeMask: ChangeMask = ChangeMask()
  ) throws -> EvalImage {
    let side = Align.celebaCropSide
    let mask = try changeMask.mask(reconstruction: reconstruction, edited: edited, width: side, height: side)
    return overwriteCrop(of: frame) { i, old in ChangeMask.blended(photo: old, edited: Float(edited[i]) / 255, mask: mask[i / 3]) }
  }

  /// `frame` with detail transfer's `old + edited − reconstruction` where the change mask is 0,
  /// `edited` where it is 1, blended between.
  static func pasteRedrawn(
    from reconstruction: [UInt8], to edited: [UInt8], into frame: EvalImage, mask changeMask: ChangeMask
  ) throws -> EvalImage {
    let side = Align.celebaCropSide
    let mask = try changeMask.mask(reconstruction: reconstruction, edited: edited, width: side, height: side)
    return overwriteCrop(of: frame) { i, old in
      ChangeMask.redrawn(
        photo: old, reconstruction: Float(reconstruction[i]) / 255, edited: Float(edited[i]) / 255, mask: mask[i / 3], ceiling: 1)
    }
  }

  /// Crop-sized bytes (`upscaled`) pasted into a copy of `frame`.
  static func paste(_ big: [UInt8], into frame: EvalImage) -> EvalImage {
    overwriteCrop(of: frame) { i, _ in Float(big[i]) / 255 }
  }

  /// A copy of `frame` whose crop values are `value(i, old)`, `i` indexing the crop's
  /// side² × 3 values and `old` the frame's value there; parts outside the frame are skipped.
  static func overwriteCrop(of frame: EvalImage, _ value: (Int, Float) -> Float) -> EvalImage {
    let side = Align.celebaCropSide
    var out = frame.pixels
    let (left, top) = cropOrigin(width: frame.width, height: frame.height)
    for y in 0..<side {
      let fy = top + y
      guard fy >= 0, fy < frame.height else { continue }
      for x in 0..<side {
        let fx = left + x
        guard fx >= 0, fx < frame.width else { continue }
        for c in 0..<3 {
          let o = (fy * frame.width + fx) * 3 + c
          out[o] = value((y * side + x) * 3 + c, out[o])
        }
      }
    }
    return EvalImage(width: frame.width, height: frame.height, pixels: out)
  }
}

/// What the method keeps of the pair being evaluated: its two latents and the decoded source
/// at crop size (the output at strength 0, and the base of detail transfer's change).
struct CachedPair {
  var source: Tensor
  var reference: Tensor
  var reconstruction: [UInt8]
}

/// The pair being evaluated: the harness asks for every strength of one pair in a row, so
/// encoding once per pair is enough. Guarded by the method's lock.
final class LatentCache {
  private var index = -1
  private var value: CachedPair?

  func pair(_ index: Int, _ make: () throws -> CachedPair) throws -> CachedPair {
    if index == self.index, let value { return value }
    let v = try make()
    self.index = index
    value = v
    return v
  }
}
