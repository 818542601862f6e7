import Foundation
import MorphImaging

/// What a method is asked to produce: the source moved toward the reference in one group.
public struct InterpolationRequest: Sendable {
  public var source: EvalImage
  public var reference: EvalImage
  public var group: AttributeGroup
  public var strength: Double
  /// Index of the pair in the evaluation (lets reference methods look up ground truth).
  public var pairIndex: Int
}

/// A translation method under evaluation: every method — models and baselines — is scored by
/// the same harness through this one function.
public struct InterpolationMethod: Sendable {
  public var name: String
  public var interpolate: @Sendable (InterpolationRequest) throws -> EvalImage

  public init(name: String, interpolate: @escaping @Sendable (InterpolationRequest) throws -> EvalImage) {
    self.name = name
    self.interpolate = interpolate
  }

  /// Output = source at every strength: the floor (perfect preservation, no transfer).
  public static let identity = InterpolationMethod(name: "identity") { $0.source }

  /// Pixel-space linear interpolation `(1 − v)·x_a + v·x_b` (HomoInterpGAN §2's baseline).
  public static let pixelLerp = InterpolationMethod(name: "pixel-lerp") { request in
    let v = Float(request.strength)
    let a = request.source.pixels, b = request.reference.pixels
    var out = [Float](repeating: 0, count: a.count)
    for i in 0..<a.count { out[i] = (1 - v) * a[i] + v * b[i] }
    return EvalImage(width: request.source.width, height: request.source.height, pixels: out)
  }

  /// Output = source seen through a model's input size: the CelebA crop resized to `size` px and
  /// back, pasted into the frame (as a model's output is). The ceiling of any model of that size:
  /// what the oracle still reads after only the resolution loss, with nothing encoded or edited.
  public static func resampled(size: Int) -> InterpolationMethod {
    InterpolationMethod(name: "resample-\(size)") { try $0.source.throughCrop(size: size) }
  }

  /// The ground-truth path itself: the ceiling the oracle allows.
  public static func truthPath(pairs: [EvalPair], renderer: ToyFaceRenderer) -> InterpolationMethod {
    InterpolationMethod(name: "truth") { request in
      let pair = pairs[request.pairIndex]
      let p = pair.source.moved(toward: pair.reference, group: pair.group, strength: request.strength)
      return EvalImage(renderer.render(p))
    }
  }
}

/// The built-in methods `morph eval interpolation --model` accepts by name.
public enum BuiltinMethods {
  public static let names = ["pixel-lerp", "identity", "resample-64", "resample-128", "homointerp", "homointerp-detail", "homointerp-masked", "homointerp-redraw", "latent-lerp"]
  /// Methods that need a trained checkpoint (`--checkpoint`).
  public static let needingCheckpoint: Set<String> = ["homointerp", "homointerp-detail", "homointerp-masked", "homointerp-redraw", "latent-lerp"]

  /// The method `name`, loading `checkpoint` for the model-backed ones (homointerp,
  /// latent-lerp in the same model's latent space; `mask` for homointerp-masked and
  /// homointerp-redraw, nil for the mode's own default); nil for an unknown name.
  public static func named(_ name: String, checkpoint: URL?, mask: ChangeMask? = nil) throws -> InterpolationMethod? {
    guard needingCheckpoint.contains(name), let mode = HomoInterpEvalMethod.Mode(rawValue: name) else { return named(name) }
    guard let checkpoint else {
      throw ToyFaceError.badOption("--model \(name) needs --checkpoint PATH (a HomoInterp .safetensors)")
    }
    return try HomoInterpEvalMethod.method(mode, checkpoint: checkpoint, mask: mask)
  }

  public static func named(_ name: String) -> InterpolationMethod? {
    switch name {
    case "pixel-lerp": return .pixelLerp
    case "identity": return .identity
    case "resample-64": return .resampled(size: 64)
    case "resample-128": return .resampled(size: 128)
    default: return nil
    }
  }
}
