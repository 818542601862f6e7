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
  }

  /// A method named after `mode` backed by the checkpoint at `url`.
  public static func method(_ mode: Mode, checkpoint url: URL) throws -> InterpolationMethod {
    let model = try HomoInterpModel.load(from: url)
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
      let (fa, fb) = try cache.value.latents(pair: request.pairIndex) {
        let x = try Tensor.concat([input(request.source, size: model.config.imageSize), input(request.reference, size: model.config.imageSize)], axis: 0)
        let f = try model.encode(x)
        return (f.narrow(axis: 0, start: 0, length: 1), f.narrow(axis: 0, start: 1, length: 1))
      }
      let v = Float(request.strength)
      let edited: Tensor
      switch mode {
      case .homointerp:
        var strengths = [Float](repeating: 0, count: groups.count)
        strengths[g] = min(max(v, 0), 2)
        edited = try model.interpolate(source: fa, reference: fb, strengths: strengths)
      case .latentLerp:
        edited = fa * (1 - v) + fb * v
      }
      return try paste(try model.decode(edited), into: request.source)
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

  /// The decoded image [1, 3, S, S] resized to the crop and pasted into a copy of `frame`.
  static func paste(_ decoded: Tensor, into frame: EvalImage) throws -> EvalImage {
    let buffer = try ImageBatchBuffer(shape: decoded.shape, data: decoded.scalars)
    let side = Align.celebaCropSide
    let big = try buffer.image(at: 0, normalisation: .symmetric).resized(width: side, height: side).pixels()
    var out = frame.pixels
    let (left, top) = cropOrigin(width: frame.width, height: frame.height)
    for y in 0..<side {
      let fy = top + y
      guard fy >= 0, fy < frame.height else { continue }
      for x in 0..<side {
        let fx = left + x
        guard fx >= 0, fx < frame.width else { continue }
        for c in 0..<3 { out[(fy * frame.width + fx) * 3 + c] = Float(big[(y * side + x) * 3 + c]) / 255 }
      }
    }
    return EvalImage(width: frame.width, height: frame.height, pixels: out)
  }
}

/// Latents of the pair being evaluated: the harness asks for every strength of one pair in a
/// row, so encoding once per pair is enough. Guarded by the method's lock.
final class LatentCache {
  private var pair = -1
  private var value: (Tensor, Tensor)?

  func latents(pair index: Int, _ make: () throws -> (Tensor, Tensor)) throws -> (Tensor, Tensor) {
    if index == pair, let value { return value }
    let v = try make()
    pair = index
    value = v
    return v
  }
}
