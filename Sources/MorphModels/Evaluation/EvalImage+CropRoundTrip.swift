import Foundation
import MorphImaging

extension EvalImage {
  /// This face seen through a model's input size: the CelebA crop resized to `size` px and back,
  /// pasted into the frame as a model's output is. Nothing about the face changes but its
  /// resolution — the resolution ceiling of `resample-N` in the evaluation, and the augmentation
  /// that teaches the oracle to read attributes rather than sharpness.
  public func throughCrop(size: Int) throws -> EvalImage {
    try HomoInterpEvalMethod.paste(HomoInterpEvalMethod.input(self, size: size), into: self)
  }

  /// A copy of this CelebA-layout frame with `crop` (an aligned face of any size: the CelebA crop
  /// at a model's resolution) resized to the crop and pasted back where the crop came from. The
  /// oracle reads whole frames, so this is how an aligned face is shown to it — by the
  /// evaluation (a model's output) and by the pipeline's score stage alike.
  public func withCelebACrop(_ crop: VipsImage) throws -> EvalImage {
    let side = Align.celebaCropSide
    return HomoInterpEvalMethod.paste(try crop.resized(width: side, height: side).pixels(), into: self)
  }
}
