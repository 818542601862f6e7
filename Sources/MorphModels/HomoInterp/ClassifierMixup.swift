import MorphTensor

/// Mixup (Zhang et al., 2018) for the attribute classifier: some faces of a batch are replaced
/// by a blend with the next face, `λ·x_i + (1 − λ)·x_{i+1}`, labelled with the same blend of
/// their targets.
///
/// Why: the classifier judges edits at every strength, and the pixel-attribute loss asks it
/// to read an edit at strength v as `lerp(z_a, z_b, v)`. Trained on faces alone it has never
/// seen a half-way hair colour, and the interpolator trained under such judges under-edited
/// at v = 0.5 (the oracle measured a third of the way, not half) and stopped short at v = 1.
/// A judge trained on blends is taught to read a blend by its share, so it asks for edits
/// that move with v (with it, the demo's hair colour went 0.36 of the way at 0.5 and 0.87 at 1,
/// from 0.31 and 0.74).
public enum ClassifierMixup {
  /// `images` [N, C, H, W] and `targets` [N, A] with each face, with chance `probability`,
  /// blended with face `(i + 1) % N` at a weight λ uniform in [0, 1). Draws two numbers per
  /// face from `rng` whatever the probability, so the stream stays aligned.
  public static func mix(
    images: Tensor, targets: Tensor, probability: Double, rng: inout RandomGenerator
  ) throws -> (images: Tensor, targets: Tensor) {
    guard images.rank == 4, targets.rank == 2, images.shape[0] == targets.shape[0] else {
      throw HomoInterpError.badShape(operation: "classifier mixup", expected: "images [N, C, H, W] and targets [N, A]", found: images.shape + targets.shape)
    }
    let n = images.shape[0]
    var weights = [Float](repeating: 1, count: n)
    for i in 0..<n {
      let chosen = Double(rng.nextUniform()) < probability
      let lambda = rng.nextUniform()
      if chosen && n > 1 { weights[i] = lambda }
    }
    return (blend(images, weights), blend(targets, weights))
  }

  /// Row i of `t` (first axis) becomes `w_i · row_i + (1 − w_i) · row_{(i+1) % N}`.
  static func blend(_ t: Tensor, _ weights: [Float]) -> Tensor {
    let n = t.shape[0], row = t.count / max(1, n)
    var out = [Float](repeating: 0, count: t.count)
    t.scalars.withUnsafeBufferPointer { src in
      out.withUnsafeMutableBufferPointer { dst in
        for i in 0..<n {
          let w = weights[i], a = i * row, b = ((i + 1) % n) * row
          if w == 1 {
            for j in 0..<row { dst[a + j] = src[a + j] }
          } else {
            for j in 0..<row { dst[a + j] = w * src[a + j] + (1 - w) * src[b + j] }
          }
        }
      }
    }
    return Tensor(shape: t.shape, scalars: out)
  }
}
