import Foundation
import MorphImaging
import MorphTensor

/// Moves whole aligned face images (CelebA layout, e.g. 178×218) in and out of a translator:
/// the model sees the CelebA crop (160 px, 15 px below centre) resized to its input size, as
/// in training; its output is resized back to 160 px and pasted over the crop, the rest of the
/// frame left as it was.
public enum CycleGANFrame {
  /// The model input [1, 3, S, S] in [−1, 1] of an evaluation image.
  public static func input(_ image: EvalImage, size: Int) throws -> Tensor {
    let vips = try VipsImage(pixels: image.bytes, width: image.width, height: image.height)
    let crop = try Align.celebaCrop(vips, size: size)
    let buffer = try ImageBatchBuffer(images: [crop], normalisation: .symmetric)
    return Tensor(shape: buffer.shape, scalars: buffer.data)
  }

  /// The top-left corner of the CelebA crop in a frame of the given size.
  static func cropOrigin(width: Int, height: Int) -> (left: Int, top: Int) {
    let side = Align.celebaCropSide
    return ((width - side) / 2 + Align.celebaCropOffset.x, (height - side) / 2 + Align.celebaCropOffset.y)
  }

  /// `output` [1, 3, S, S] in [−1, 1] resized to the crop and pasted into a copy of `frame`.
  public static func paste(_ output: Tensor, into frame: EvalImage) throws -> EvalImage {
    guard output.rank == 4, output.shape[0] == 1, output.shape[1] == 3 else {
      throw CycleGANError.badInput("paste: expected one image [1, 3, S, S], got \(output.shape)")
    }
    let buffer = try ImageBatchBuffer(shape: output.shape, data: output.scalars)
    let side = Align.celebaCropSide
    let big = try buffer.image(at: 0, normalisation: .symmetric).resized(width: side, height: side).pixels()
    var out = frame.pixels
    let (left, top) = cropOrigin(width: frame.width, height: frame.height)
    for y in 0..<side where top + y >= 0 && top + y < frame.height {
      for x in 0..<side where left + x >= 0 && left + x < frame.width {
        let o = ((top + y) * frame.width + left + x) * 3, i = (y * side + x) * 3
        for c in 0..<3 { out[o + c] = Float(big[i + c]) / 255 }
      }
    }
    return EvalImage(width: frame.width, height: frame.height, pixels: out)
  }

  /// Image `index` of a batch [N, 3, H, W] in [−1, 1] as an `EvalImage`.
  public static func image(_ batch: Tensor, index: Int) throws -> EvalImage {
    guard batch.rank == 4, batch.shape[1] == 3, index >= 0, index < batch.shape[0] else {
      throw CycleGANError.badInput("image \(index) of a batch of shape \(batch.shape)")
    }
    let h = batch.shape[2], w = batch.shape[3], plane = h * w
    var out = [Float](repeating: 0, count: 3 * plane)
    batch.scalars.withUnsafeBufferPointer { src in
      let base = index * 3 * plane
      for c in 0..<3 {
        for p in 0..<plane { out[p * 3 + c] = min(max((src[base + c * plane + p] + 1) / 2, 0), 1) }
      }
    }
    return EvalImage(width: w, height: h, pixels: out)
  }

  /// Pixel blend `(1 − v)·a + v·b` of two images of one size (CycleGAN's only strength knob).
  public static func blend(_ a: EvalImage, _ b: EvalImage, strength v: Double) -> EvalImage {
    let w = Float(v)
    var out = a.pixels
    b.pixels.withUnsafeBufferPointer { bp in
      for i in 0..<out.count { out[i] = (1 - w) * out[i] + w * bp[i] }
    }
    return EvalImage(width: a.width, height: a.height, pixels: out)
  }
}
