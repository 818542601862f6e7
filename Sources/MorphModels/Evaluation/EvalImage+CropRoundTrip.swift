import Foundation

extension EvalImage {
  /// This face seen through a model's input size: the CelebA crop resized to `size` px and back,
  /// pasted into the frame as a model's output is. Nothing about the face changes but its
  /// resolution — the resolution ceiling of `resample-N` in the evaluation, and the augmentation
  /// that teaches the oracle to read attributes rather than sharpness.
  public func throughCrop(size: Int) throws -> EvalImage {
    try HomoInterpEvalMethod.paste(HomoInterpEvalMethod.input(self, size: size), into: self)
  }
}
