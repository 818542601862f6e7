import Foundation
import XCTest

@testable import MorphModels

final class AreaResizeTests: XCTestCase {
  func testHalvingAveragesBlocksAndOddFactorsKeepTheMean() {
    // 4×2 image, values 0…7 in the red channel: halving averages 2×2 blocks.
    var pixels = [Float](repeating: 0, count: 4 * 2 * 3)
    for p in 0..<8 { pixels[p * 3] = Float(p) }
    let small = AreaResize.resize(EvalImage(width: 4, height: 2, pixels: pixels), width: 2, height: 1)
    XCTAssertEqual(small.pixels[0], (0 + 1 + 4 + 5) / 4, accuracy: 1e-6)
    XCTAssertEqual(small.pixels[3], (2 + 3 + 6 + 7) / 4, accuracy: 1e-6)
    // A non-integer factor (178 → 64) keeps the image mean.
    let face = EvalImage(ToyFaceRenderer().render(ToyFaceSampler().parameters(seed: 2, index: 0)))
    let resized = AreaResize.resize(face, width: 64, height: 80)
    let mean = { (i: EvalImage) in i.pixels.reduce(0, +) / Float(i.pixels.count) }
    XCTAssertEqual(mean(resized), mean(face), accuracy: 1e-3)
  }
}
