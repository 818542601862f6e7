import Foundation
import MorphImaging
import MorphTensor

/// Conversions between pipeline payloads and model tensors for the HomoInterp stages.
///
/// A latents item is one tensor `[K, C, s, s]` (or `[C, s, s]` for K = 1): K = 1 for one face,
/// K > 1 for a sweep or a path of frames. Decoding K frames gives one *film strip*: a
/// `K·S × S` image of the frames side by side (square tiles, so the frame count is
/// width / height). The sheet, animate and score stages read strips back frame by frame.
/// Public for `morph serve`, whose slider images must be the pixels these stages produce.
public enum HomoInterpFrames {
  /// Latent tensors of the items, concatenated along the batch axis, with each item's frame count.
  static func latents(_ items: [Item], channels: Int, side: Int, stage: String) throws -> (Tensor, [Int]) {
    var scalars: [Float] = []
    var counts: [Int] = []
    let per = channels * side * side
    for item in items {
      guard case .tensor(let shape, let data) = item.payload else {
        throw PipelineError.item(stage: stage, item: item.id, message: "expected a latent tensor")
      }
      let tail = Array(shape.suffix(3))
      guard shape.count == 3 || shape.count == 4, tail == [channels, side, side], data.count % per == 0 else {
        throw PipelineError.item(
          stage: stage, item: item.id,
          message: "latent of shape \(shape) does not fit the checkpoint's latents [\(channels), \(side), \(side)]")
      }
      counts.append(data.count / per)
      scalars += data
    }
    return (Tensor(shape: [scalars.count / per, channels, side, side], scalars: scalars), counts)
  }

  /// Splits a batch tensor `[ΣK, …]` back into per-item payloads of `[K, …]` rows.
  static func split(_ tensor: Tensor, counts: [Int]) -> [Payload] {
    let per = tensor.shape.dropFirst().reduce(1, *)
    var start = 0
    return counts.map { k in
      defer { start += k }
      let rows = Array(tensor.scalars[(start * per)..<((start + k) * per)])
      return .tensor(shape: [k] + Array(tensor.shape.dropFirst()), data: rows)
    }
  }

  /// Model input `[N, 3, S, S]` (symmetric normalisation) from same-sized images.
  public static func imageTensor(_ images: [VipsImage]) throws -> Tensor {
    let batch = try ImageBatchBuffer(images: images, normalisation: .symmetric)
    return Tensor(shape: batch.shape, scalars: batch.data)
  }

  /// The image of an item, checked to be a square of the checkpoint's side.
  static func modelImage(_ item: Item, size: Int, stage: String) throws -> VipsImage {
    let image = try item.image(in: stage)
    guard image.width == size, image.height == size, image.bands == 3 else {
      throw PipelineError.item(
        stage: stage, item: item.id,
        message: "image is \(image.width)×\(image.height)×\(image.bands); the checkpoint takes \(size)×\(size) RGB "
          + "(put an `align` stage with size: \(size) before this one)")
    }
    return image
  }

  /// The frames of `[K, 3, S, S]` model output (symmetric) side by side as one 8-bit strip.
  public static func strip(_ images: Tensor, first: Int, count: Int) throws -> VipsImage {
    let s = images.shape[2], plane = s * s
    let width = count * s
    var pixels = [UInt8](repeating: 0, count: width * s * 3)
    images.scalars.withUnsafeBufferPointer { src in
      pixels.withUnsafeMutableBufferPointer { out in
        for k in 0..<count {
          let base = (first + k) * 3 * plane
          for c in 0..<3 {
            for y in 0..<s {
              for x in 0..<s {
                let v = (src[base + c * plane + y * s + x] + 1) * 127.5
                out[(y * width + k * s + x) * 3 + c] = UInt8(max(0, min(255, v.rounded())))
              }
            }
          }
        }
      }
    }
    return try VipsImage(pixels: pixels, width: width, height: s)
  }

  /// Same-sized square RGB frames side by side as one strip (one frame is returned as is).
  static func strip(_ frames: [VipsImage]) throws -> VipsImage {
    guard let first = frames.first else { throw ImagingError.invalidArgument("a strip needs at least one frame") }
    if frames.count == 1 { return first }
    let s = first.height, width = frames.count * s
    var pixels = [UInt8](repeating: 0, count: width * s * 3)
    for (k, frame) in frames.enumerated() {
      guard frame.width == s, frame.height == s, frame.bands == 3 else {
        throw ImagingError.invalidArgument("strip frames must all be \(s)×\(s) RGB, frame \(k) is \(frame.width)×\(frame.height)×\(frame.bands)")
      }
      let p = try frame.pixels()
      for y in 0..<s {
        for i in 0..<(s * 3) { pixels[(y * width + k * s) * 3 + i] = p[y * s * 3 + i] }
      }
    }
    return try VipsImage(pixels: pixels, width: width, height: s)
  }

  /// The square frames of a strip, left to right (a plain square image is one frame).
  static func frames(of image: VipsImage, item: String, stage: String) throws -> [VipsImage] {
    let side = image.height
    guard side > 0, image.width % side == 0 else {
      throw PipelineError.item(
        stage: stage, item: item,
        message: "image of \(image.width)×\(image.height) is not a strip of square frames (width a multiple of height)")
    }
    let count = image.width / side
    if count == 1 { return [image] }
    return try (0..<count).map { try image.crop(left: $0 * side, top: 0, width: side, height: side).materialised() }
  }
}
