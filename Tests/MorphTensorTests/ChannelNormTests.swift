@testable import MorphTensor
import XCTest

/// The fused batch/instance normalisation against its composition from primitives
/// (`normalize` + `channelAffine`): values, gradients of all three inputs, and gradients
/// recorded for a second derivative.
final class ChannelNormTests: XCTestCase {
  func composite(_ x: Tensor, _ w: Tensor, _ b: Tensor, perImage: Bool) -> Tensor {
    channelAffine(normalize(x, axes: perImage ? [2, 3] : [0, 2, 3], eps: 1e-5).normalized, weight: w, bias: b)
  }

  func testFusedMatchesComposition() throws {
    // The large shape splits channels over the cores.
    for shape in [[2, 3, 4, 5], [4, 8, 48, 48]] {
      for perImage in [false, true] {
        let x = GradCheck.random(shape, seed: 900, scale: 2) + 1
        let w = GradCheck.random([shape[1]], seed: 901), b = GradCheck.random([shape[1]], seed: 902)
        let leaves = [x, w, b].map { Tensor(shape: $0.shape, scalars: $0.scalars, requiresGrad: true) }
        let fused = perImage
          ? instanceNorm2d(leaves[0], weight: leaves[1], bias: leaves[2])
          : batchNorm2dTraining(leaves[0], weight: leaves[1], bias: leaves[2]).output
        let plain = composite(leaves[0], leaves[1], leaves[2], perImage: perImage)
        assertClose(fused, plain, "forward \(shape) perImage \(perImage)")
        let seed = GradCheck.random(shape, seed: 903)
        let gf = try (fused * seed).sum().gradients(wrt: leaves)
        let gp = try (plain * seed).sum().gradients(wrt: leaves)
        for k in 0..<3 { assertClose(gf[k], gp[k], "gradient \(k) \(shape) perImage \(perImage)") }
        // Recorded gradients (the composite rule) differentiate like the composition's.
        let hf = try (fused * seed).sum().gradients(wrt: [leaves[0]], createGraph: true)[0]
        let hp = try (plain * seed).sum().gradients(wrt: [leaves[0]], createGraph: true)[0]
        let sf = try (hf.square().sum()).gradients(wrt: leaves)
        let sp = try (hp.square().sum()).gradients(wrt: leaves)
        for k in 0..<3 { assertClose(sf[k], sp[k], "second order \(k) \(shape) perImage \(perImage)") }
      }
    }
  }

  func testBatchStatistics() {
    let x = GradCheck.random([3, 2, 4, 4], seed: 910, scale: 3)
    let (_, mean, unbiased) = batchNorm2dTraining(x, weight: .ones([2]), bias: .zeros([2]))
    let m = x.mean(axes: [0, 2, 3]), n: Float = 48
    let v = (x - m.reshape([1, 2, 1, 1])).square().sum(axes: [0, 2, 3]) * (1 / (n - 1))
    assertClose(mean, m, "mean")
    assertClose(unbiased, v, "unbiased variance")
  }
}
