import MorphTensor

/// Loss pieces of the HomoInterp objective that are worth testing on their own.
public enum HomoInterpLosses {
  /// WGAN-GP penalty `mean((‖∇ Dis(x̂)‖₂ − 1)²)` at `x̂ = real + eps·(fake − real)`, per-sample
  /// `eps` [N]. The gradient is taken with `createGraph`, so the penalty itself can be
  /// differentiated with respect to the critic's weights (double backward).
  public static func gradientPenalty(critic: HomoInterpCritic, real: Tensor, fake: Tensor, eps: [Float]) throws -> Tensor {
    let n = real.shape[0]
    guard eps.count == n, fake.shape == real.shape else {
      throw HomoInterpError.badShape(operation: "gradientPenalty", expected: "real and fake of equal shape, \(n) eps", found: fake.shape)
    }
    let e = Tensor(shape: [n, 1, 1, 1], scalars: eps)
    let mixed = (real.detached() + e * (fake.detached() - real.detached())).detached().requiringGrad()
    let score = try critic.score(features: critic.features(mixed))
    guard let g = try score.sum().gradients(wrt: [mixed], createGraph: true).first else {
      throw HomoInterpError.badTraining("gradient penalty: no gradient")
    }
    let norm = (g.square().sum(axes: [1, 2, 3]) + 1e-12).sqrt()
    return (norm - 1).square().mean()
  }

  /// Gradient-difference loss (Mathieu et al. 2016) of images [N, C, H, W]: the mean squared
  /// horizontal and vertical finite differences of `prediction − target`. Pixel MSE barely
  /// notices a faint one-pixel line missing or a speckle added; this loss weighs exactly such
  /// edges, and a constant offset costs nothing.
  public static func gradientDifference(_ prediction: Tensor, _ target: Tensor) throws -> Tensor {
    guard prediction.rank == 4, prediction.shape == target.shape, prediction.shape[2] > 1, prediction.shape[3] > 1 else {
      throw HomoInterpError.badShape(
        operation: "gradientDifference", expected: "two images [N, C, H, W] of one shape, H and W ≥ 2", found: prediction.shape)
    }
    let e = prediction - target
    let (h, w) = (e.shape[2], e.shape[3])
    let dx = e.narrow(axis: 3, start: 1, length: w - 1) - e.narrow(axis: 3, start: 0, length: w - 1)
    let dy = e.narrow(axis: 2, start: 1, length: h - 1) - e.narrow(axis: 2, start: 0, length: h - 1)
    return dx.square().mean() + dy.square().mean()
  }

  /// Relative per-image latent spread: the RMS over positions of the standard deviation across
  /// the batch, divided by the RMS of the latent. 0 when every image has the same latent
  /// (collapse); about 1 for independent latents.
  public static func latentSpread(_ f: Tensor) -> Float {
    let n = f.shape[0]
    guard n > 1 else { return 0 }
    let per = f.count / n
    var variance = 0.0, power = 0.0
    f.scalars.withUnsafeBufferPointer { p in
      for j in 0..<per {
        var s = 0.0, s2 = 0.0
        for i in 0..<n {
          let v = Double(p[i * per + j])
          s += v
          s2 += v * v
        }
        let m = s / Double(n)
        variance += max(0, s2 / Double(n) - m * m)
        power += s2 / Double(n)
      }
    }
    return power > 0 ? Float((variance / power).squareRoot()) : 0
  }
}
