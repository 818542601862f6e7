import MorphTensor
import XCTest

@testable import MorphModels

final class ClassifierMixupTests: XCTestCase {
  /// Faces whose every pixel is the face's own target value: a blended face must still be
  /// uniform and equal its blended target, so images and targets were blended alike.
  func testFacesAndTargetsAreBlendedAlikeWithTheNextFace() throws {
    let n = 5, side = 2
    let values: [Float] = [0, 0.25, 0.5, 0.75, 1]
    let images = Tensor(shape: [n, 3, side, side], scalars: values.flatMap { [Float](repeating: $0, count: 3 * side * side) })
    let targets = Tensor(shape: [n, 1], scalars: values)
    var rng = RandomGenerator(seed: 4)
    let (x, z) = try ClassifierMixup.mix(images: images, targets: targets, probability: 1, rng: &rng)
    var changed = 0
    for i in 0..<n {
      let row = Array(x.scalars[(i * 12)..<((i + 1) * 12)])
      XCTAssertTrue(row.allSatisfy { abs($0 - z.scalars[i]) < 1e-6 }, "face \(i): \(row) against target \(z.scalars[i])")
      // Between the face and the next one.
      let a = values[i], b = values[(i + 1) % n]
      XCTAssertGreaterThanOrEqual(z.scalars[i], min(a, b) - 1e-6)
      XCTAssertLessThanOrEqual(z.scalars[i], max(a, b) + 1e-6)
      if abs(z.scalars[i] - a) > 1e-3 { changed += 1 }
    }
    XCTAssertGreaterThanOrEqual(changed, 4, "with chance 1 the faces are blends")
    // Chance 0: the batch as it was, and the stream moved by the same two draws per face.
    var r0 = RandomGenerator(seed: 4), r1 = RandomGenerator(seed: 4)
    let (same, sameTargets) = try ClassifierMixup.mix(images: images, targets: targets, probability: 0, rng: &r0)
    XCTAssertEqual(same.scalars, images.scalars)
    XCTAssertEqual(sameTargets.scalars, targets.scalars)
    _ = try ClassifierMixup.mix(images: images, targets: targets, probability: 1, rng: &r1)
    XCTAssertEqual(r0.next(), r1.next())
  }

  func testMismatchedBatchesAreRefused() {
    var rng = RandomGenerator(seed: 1)
    let images = Tensor(shape: [2, 3, 2, 2], scalars: [Float](repeating: 0, count: 24))
    XCTAssertThrowsError(
      try ClassifierMixup.mix(images: images, targets: Tensor(shape: [3, 1], scalars: [0, 0, 0]), probability: 0.5, rng: &rng)
    ) { XCTAssertTrue("\($0)".contains("classifier mixup"), "\($0)") }
  }

  /// A run with mixup trains its classifier on blends (another loss on the same batch) and
  /// records the chance; a chance outside 0...1 is refused.
  func testARunTrainsItsClassifierOnBlends() throws {
    var options = HomoInterpClassifierRefreshTests.refreshOptions(every: nil)
    let plain = try HomoInterpTrainingTests.trainer(options)
    options.classifierMixup = 1
    let mixed = try HomoInterpTrainingTests.trainer(options)
    let a = try plain.trainStep(), b = try mixed.trainStep()
    XCTAssertEqual(a.phase, .classifier)
    let lossA = try XCTUnwrap(a.losses["classifier"]), lossB = try XCTUnwrap(b.losses["classifier"])
    XCTAssertNotEqual(lossA, lossB, "same weights, same batch drawn: only the blends differ")
    options.classifierMixup = 1.5
    XCTAssertThrowsError(try options.validate()) { XCTAssertTrue("\($0)".contains("mixup"), "\($0)") }
  }
}
