import Foundation
import MorphTensor
import XCTest

/// The ops MTCNN needs: general max pooling with ceil mode, PReLU and softmax — values derived
/// by hand and gradients checked by finite differences (first and second order).
final class DetectionOpGradTests: XCTestCase {
  /// Distinct values 0.1 apart in a scrambled order: finite differences of ±0.01 never change
  /// which element of a pooling window wins.
  private func distinct(_ shape: [Int], seed: Int) -> Tensor {
    let n = shape.reduce(1, *)
    return Tensor(shape: shape, scalars: (0..<n).map { Float(($0 * 37 + seed * 11) % n) * 0.1 - Float(n) * 0.05 })
  }

  func testPoolOutputSizesMatchPyTorch() {
    // PyTorch: ceil((n − k)/s) + 1, minus a window starting past the input.
    XCTAssertEqual(Tensor.poolOutputSize(22, kernel: 3, stride: 2, ceilMode: true), 11)
    XCTAssertEqual(Tensor.poolOutputSize(22, kernel: 3, stride: 2, ceilMode: false), 10)
    XCTAssertEqual(Tensor.poolOutputSize(9, kernel: 2, stride: 2, ceilMode: true), 5)
    XCTAssertEqual(Tensor.poolOutputSize(9, kernel: 2, stride: 2, ceilMode: false), 4)
    XCTAssertEqual(Tensor.poolOutputSize(10, kernel: 3, stride: 2, ceilMode: true), 5)
  }

  func testMaxPoolCeilModeValuesHandDerived() {
    // 1×1×3×3 input 1…9, 2×2 windows stride 2 with ceil mode: windows {1,2,4,5}, {3,6}, {7,8}, {9}.
    let x = Tensor(shape: [1, 1, 3, 3], scalars: (1...9).map(Float.init))
    XCTAssertEqual(x.maxPool2d(kernel: 2, stride: 2, ceilMode: true).scalars, [5, 6, 8, 9])
    XCTAssertEqual(x.maxPool2d(kernel: 2, stride: 2).scalars, [5])
    // 3×3 windows stride 2 over 4×4 (1…16), ceil mode: rows/cols {0,1,2} and {2,3}.
    let y = Tensor(shape: [1, 1, 4, 4], scalars: (1...16).map(Float.init))
    XCTAssertEqual(y.maxPool2d(kernel: 3, stride: 2, ceilMode: true).scalars, [11, 12, 15, 16])
  }

  func testMaxPoolGradients() throws {
    for (i, c) in [(k: 3, s: 2, h: 7, w: 8), (k: 2, s: 2, h: 5, w: 7), (k: 3, s: 2, h: 6, w: 5)].enumerated() {
      let x = distinct([2, 2, c.h, c.w], seed: i)
      try GradCheck.check([x]) { GradCheck.weighted($0[0].maxPool2d(kernel: c.k, stride: c.s, ceilMode: true)) }
      try GradCheck.checkSecondOrder([x]) { GradCheck.weighted($0[0].maxPool2d(kernel: c.k, stride: c.s, ceilMode: true).square()) }
    }
  }

  func testPReLUValuesHandDerived() {
    // Channel 0 slope 0.25, channel 1 slope −1: negatives scale, positives pass.
    let x = Tensor(shape: [1, 2, 1, 2], scalars: [-4, 3, -2, 5])
    let a = Tensor(shape: [2], scalars: [0.25, -1])
    XCTAssertEqual(prelu(x, a).scalars, [-1, 3, 2, 5])
    // The same through the recorded composition.
    let xr = Tensor(shape: x.shape, scalars: x.scalars, requiresGrad: true)
    XCTAssertEqual(prelu(xr, a).scalars, [-1, 3, 2, 5])
  }

  func testPReLUGradients() throws {
    // Inputs kept away from the kink at 0.
    let x = GradCheck.random([2, 3, 3, 2], seed: 5).scalars.map { $0 + ($0 >= 0 ? 0.1 : -0.1) }
    let a = GradCheck.random([3], seed: 6, scale: 0.3)
    try GradCheck.check([Tensor(shape: [2, 3, 3, 2], scalars: x), a]) { GradCheck.weighted(prelu($0[0], $0[1])) }
    let x2 = GradCheck.random([4, 5], seed: 7).scalars.map { $0 + ($0 >= 0 ? 0.1 : -0.1) }
    try GradCheck.checkSecondOrder([GradCheck.random([5], seed: 8, scale: 0.3), Tensor(shape: [4, 5], scalars: x2)]) {
      GradCheck.weighted(prelu($0[1], $0[0]).square())
    }
  }

  func testSoftmaxValuesHandDerived() {
    // softmax(0, ln 3) = (1/4, 3/4); a shift by 1000 changes nothing (the max is subtracted, so
    // exp never overflows); 1e-4 allows for 1000 + ln 3 rounded to float (ulp 6e-5).
    let x = Tensor(shape: [2, 2], scalars: [0, Float(Foundation.log(3.0)), 1000, 1000 + Float(Foundation.log(3.0))])
    let y = x.softmax(axis: 1).scalars
    for (a, b) in zip(y, [0.25, 0.75, 0.25, 0.75] as [Float]) { XCTAssertEqual(a, b, accuracy: 1e-4) }
  }

  func testSoftmaxGradients() throws {
    let x = GradCheck.random([2, 3, 2, 2], seed: 9)
    try GradCheck.check([x]) { GradCheck.weighted($0[0].softmax(axis: 1)) }
    try GradCheck.checkSecondOrder([x]) { GradCheck.weighted($0[0].softmax(axis: 1)) }
  }
}
