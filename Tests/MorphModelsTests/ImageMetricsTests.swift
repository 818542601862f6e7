import Foundation
import XCTest

@testable import MorphModels

/// PSNR, SSIM and path measures on hand-made inputs with known answers.
final class ImageMetricsTests: XCTestCase {
  func constant(_ value: Float, width: Int = 8, height: Int = 6) -> EvalImage {
    EvalImage(width: width, height: height, pixels: [Float](repeating: value, count: width * height * 3))
  }

  func testPSNRKnownValues() throws {
    // MSE 0.01 → 10·log10(1/0.01) = 20 dB.
    XCTAssertEqual(try XCTUnwrap(ImageMetrics.psnr(constant(0), constant(0.1))), 20, accuracy: 1e-4)
    XCTAssertEqual(ImageMetrics.psnr(constant(0.3), constant(0.3)), ImageMetrics.maxPSNR)
    // Only the masked half differs (by 0.5): MSE 0.25 → 6.02 dB there, cap elsewhere.
    var b = constant(0)
    for p in 0..<24 { for c in 0..<3 { b.pixels[p * 3 + c] = 0.5 } }
    let half = (0..<48).map { $0 < 24 }
    XCTAssertEqual(try XCTUnwrap(ImageMetrics.psnr(constant(0), b, mask: half)), 10 * log10(4), accuracy: 1e-4)
    XCTAssertEqual(ImageMetrics.psnr(constant(0), b, mask: half.map { !$0 }), ImageMetrics.maxPSNR)
    XCTAssertNil(ImageMetrics.psnr(constant(0), b, mask: [Bool](repeating: false, count: 48)))
  }

  func testSSIMKnownValues() throws {
    XCTAssertEqual(try XCTUnwrap(ImageMetrics.ssim(constant(0.4), constant(0.4))), 1, accuracy: 1e-9)
    // Flat images: variances vanish, SSIM = (2·μx·μy + C1)/(μx² + μy² + C1).
    let c1 = 0.0001, mx = Double(Float(0.2)), my = Double(Float(0.6))
    let expected = (2 * mx * my + c1) / (mx * mx + my * my + c1)
    XCTAssertEqual(try XCTUnwrap(ImageMetrics.ssim(constant(0.2), constant(0.6))), expected, accuracy: 1e-6)
    // Inverted structure scores below zero.
    var stripes = constant(0), inverse = constant(1)
    for p in stride(from: 0, to: 48, by: 2) {
      for c in 0..<3 {
        stripes.pixels[p * 3 + c] = 1
        inverse.pixels[p * 3 + c] = 0
      }
    }
    XCTAssertLessThan(try XCTUnwrap(ImageMetrics.ssim(stripes, inverse)), 0)
  }

  func testPixelLerpFollowsTheExpectedPSNRCurve() throws {
    let renderer = ToyFaceRenderer(width: 45, height: 55)
    let sampler = ToyFaceSampler()
    let a = EvalImage(renderer.render(sampler.parameters(seed: 1, index: 0)))
    let b = EvalImage(renderer.render(sampler.parameters(seed: 1, index: 1)))
    let base = try XCTUnwrap(ImageMetrics.psnr(a, b))
    let group = AttributeGroup.defaultGroups[0]
    for v in [0.25, 0.5, 0.75, 1.0] {
      let out = try InterpolationMethod.pixelLerp.interpolate(
        InterpolationRequest(source: a, reference: b, group: group, strength: v, pairIndex: 0))
      // out − a = v·(b − a), so MSE scales by v² and PSNR drops by 20·log10(v) (and rises by
      // 20·log10(1/(1 − v)) against b).
      XCTAssertEqual(try XCTUnwrap(ImageMetrics.psnr(out, a)), base - 20 * log10(v), accuracy: 0.02, "v = \(v)")
      if v < 1 {
        XCTAssertEqual(try XCTUnwrap(ImageMetrics.psnr(out, b)), base - 20 * log10(1 - v), accuracy: 0.02, "v = \(v)")
      } else {
        XCTAssertEqual(out, b)
      }
    }
    let start = try InterpolationMethod.pixelLerp.interpolate(
      InterpolationRequest(source: a, reference: b, group: group, strength: 0, pairIndex: 0))
    XCTAssertEqual(start, a)
  }

  func testRSquaredGiniAndSmoothness() throws {
    let v = [0, 0.25, 0.5, 0.75, 1.0]
    XCTAssertEqual(PathMetrics.rSquared(x: v, y: v.map { 2 * $0 + 1 }), 1, accuracy: 1e-12)
    XCTAssertEqual(PathMetrics.rSquared(x: v, y: [0, 0, 0, 0, 0]), 0)
    // y = x²: sxx = 0.625, sxy = 0.625, syy = 0.6796875, R² = sxy²/(sxx·syy) = 0.390625/0.4248046875.
    XCTAssertEqual(PathMetrics.rSquared(x: v, y: v.map { $0 * $0 }), 0.390625 / 0.4248046875, accuracy: 1e-12)
    XCTAssertEqual(PathMetrics.gini([1, 1, 1, 1]), 0)
    // Σ|di − dj| = 6 (three pairs each way), 2·n·Σd = 8 → 0.75.
    XCTAssertEqual(PathMetrics.gini([1, 0, 0, 0]), 0.75, accuracy: 1e-12)
    let straight = try XCTUnwrap(PathMetrics.smoothness(v.map { [$0, 2 * $0] }))
    XCTAssertEqual(straight.efficiency, 1, accuracy: 1e-12)
    XCTAssertEqual(straight.equality, 1, accuracy: 1e-12)
    XCTAssertEqual(straight.pps, 1, accuracy: 1e-12)
    // All the change in the first step: E = 1, I = 0.25, PPS = 2·0.25/(1.25) = 0.4.
    let jump = try XCTUnwrap(PathMetrics.smoothness([[0], [1], [1], [1], [1]]))
    XCTAssertEqual(jump.pps, 0.4, accuracy: 1e-12)
    // There and back: distance 0 between the ends, E = 0.
    let back = try XCTUnwrap(PathMetrics.smoothness([[0], [1], [0]]))
    XCTAssertEqual(back.efficiency, 0, accuracy: 1e-12)
    XCTAssertNil(PathMetrics.smoothness([[3], [3], [3]]))
  }
}
