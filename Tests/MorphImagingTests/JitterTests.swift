import Foundation
import MorphImaging
import XCTest

final class JitterTests: XCTestCase {
  func testSameSeedItemAndEpochGiveTheSameImage() throws {
    let image = try TestImages.noise(width: 48, height: 48)
    let jitter = Jitter(seed: 42)
    let a = try jitter.apply(image, item: 7, epoch: 3).pixels()
    let b = try Jitter(seed: 42).apply(image, item: 7, epoch: 3).pixels()
    XCTAssertEqual(a, b)
    XCTAssertNotEqual(a, try jitter.apply(image, item: 7, epoch: 4).pixels())
    XCTAssertNotEqual(a, try jitter.apply(image, item: 8, epoch: 3).pixels())
    XCTAssertNotEqual(a, try Jitter(seed: 43).apply(image, item: 7, epoch: 3).pixels())
    // Fixed draw for a fixed seed: guards against accidental changes of the stream.
    XCTAssertEqual(jitter.sample(item: 7, epoch: 3), jitter.sample(item: 7, epoch: 3))
  }

  func testDrawsStayInTheirRanges() {
    let options = JitterOptions()
    let jitter = Jitter(seed: 1, options: options)
    var flips = 0
    for item in 0..<400 {
      let s = jitter.sample(item: item, epoch: 0)
      XCTAssertLessThanOrEqual(abs(s.shiftX), options.maxShift)
      XCTAssertLessThanOrEqual(abs(s.shiftY), options.maxShift)
      XCTAssertTrue(options.scale.contains(s.scale))
      XCTAssertLessThanOrEqual(abs(s.rotationRadians), options.maxRotationDegrees * .pi / 180 + 1e-12)
      XCTAssertLessThanOrEqual(abs(s.brightness), options.maxBrightness)
      XCTAssertLessThanOrEqual(abs(s.contrast - 1), options.maxContrast + 1e-12)
      if s.flip { flips += 1 }
    }
    XCTAssertTrue((140...260).contains(flips), "\(flips) flips in 400 draws")
  }

  func testFlipOnlyJitterMirrorsExactly() throws {
    let image = try TestImages.gradient(width: 30, height: 20, rStep: 8, gStep: 10)
    let options = JitterOptions(
      maxShift: 0, scale: 1...1, maxRotationDegrees: 0, flipProbability: 1, maxBrightness: 0,
      maxContrast: 0)
    let flipped = try Jitter(seed: 5, options: options).apply(image, item: 0, epoch: 0)
    XCTAssertEqual(try flipped.pixels(), try image.flippedHorizontally().pixels())
  }

  func testShiftMovesContentByTheDrawnAmount() throws {
    let image = try TestImages.gradient(width: 100, height: 100, rStep: 2, gStep: 2)
    let options = JitterOptions(
      maxShift: 0.08, scale: 1...1, maxRotationDegrees: 0, flipProbability: 0, maxBrightness: 0,
      maxContrast: 0)
    let jitter = Jitter(seed: 9, options: options)
    let draw = jitter.sample(item: 1, epoch: 0)
    let shifted = try jitter.apply(image, item: 1, epoch: 0).pixels()
    // Output pixel (50, 50) shows input (50 − dx, 50 − dy); red = 2x, green = 2y.
    let i = (50 * 100 + 50) * 3
    XCTAssertEqual(Double(shifted[i]), 2 * (50 - draw.shiftX * 100), accuracy: 1.01)
    XCTAssertEqual(Double(shifted[i + 1]), 2 * (50 - draw.shiftY * 100), accuracy: 1.01)
  }

  func testBrightnessAndContrastUseTheDrawnLevels() throws {
    let image = try VipsImage(pixels: [UInt8](repeating: 100, count: 8 * 8 * 3), width: 8, height: 8)
    let options = JitterOptions(
      maxShift: 0, scale: 1...1, maxRotationDegrees: 0, flipProbability: 0, maxBrightness: 0.2,
      maxContrast: 0.3)
    let jitter = Jitter(seed: 3, options: options)
    let draw = jitter.sample(item: 0, epoch: 0)
    let expected = (100 * draw.levels.gain + draw.levels.offset).rounded()
    let out = try jitter.apply(image, item: 0, epoch: 0).pixels()
    XCTAssertEqual(Double(out[27]), min(255, max(0, expected)), accuracy: 1)
  }
}
