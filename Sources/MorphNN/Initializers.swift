import Foundation
import MorphTensor

/// Weight initialisers.
public enum Initializer {
  /// PyTorch's default for Conv2d/Linear weights and biases (kaiming_uniform with a = √5):
  /// U(−1/√fanIn, 1/√fanIn).
  public static func pytorchDefault(_ shape: [Int], fanIn: Int, rng: inout RandomGenerator) -> Tensor {
    let bound = 1 / Float(Swift.max(fanIn, 1)).squareRoot()
    return Tensor.rand(shape, low: -bound, high: bound, rng: &rng)
  }

  /// He (Kaiming) normal: N(0, gain²/fanIn), gain √2 for ReLU or √(2/(1+a²)) for LeakyReLU(a).
  public static func kaimingNormal(_ shape: [Int], fanIn: Int, negativeSlope: Float = 0, rng: inout RandomGenerator) -> Tensor {
    let gain = (2 / (1 + negativeSlope * negativeSlope)).squareRoot()
    return Tensor.randn(shape, std: gain / Float(Swift.max(fanIn, 1)).squareRoot(), rng: &rng)
  }

  /// He (Kaiming) uniform: U(−b, b) with b = gain·√(3/fanIn).
  public static func kaimingUniform(_ shape: [Int], fanIn: Int, negativeSlope: Float = 0, rng: inout RandomGenerator) -> Tensor {
    let gain = (2 / (1 + negativeSlope * negativeSlope)).squareRoot()
    let bound = gain * (3 / Float(Swift.max(fanIn, 1))).squareRoot()
    return Tensor.rand(shape, low: -bound, high: bound, rng: &rng)
  }
}
