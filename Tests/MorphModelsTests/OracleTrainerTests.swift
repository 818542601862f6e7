import Foundation
import XCTest

@testable import MorphModels

/// The oracle's training data: faces seen through a model size keep their labels, and the
/// held-out report measures the oracle on them.
final class OracleTrainerTests: XCTestCase {
  func testThroughCropChangesOnlyTheCropAndLessAtLargerSizes() throws {
    let face = EvalImage(ToyFaceRenderer().render(ToyFaceSampler().parameters(seed: 9, index: 3)))
    let small = try face.throughCrop(size: 32)
    let large = try face.throughCrop(size: 128)
    XCTAssertEqual(small.width, face.width)
    XCTAssertEqual(small.height, face.height)
    let (left, top) = HomoInterpEvalMethod.cropOrigin(width: face.width, height: face.height)
    func error(_ image: EvalImage) -> Float {
      zip(image.pixels, face.pixels).reduce(0) { $0 + abs($1.0 - $1.1) }
    }
    // Outside the crop the frame is untouched (the row above it here).
    let row = (top - 1) * face.width * 3
    XCTAssertEqual(Array(small.pixels[row..<(row + face.width * 3)]), Array(face.pixels[row..<(row + face.width * 3)]))
    XCTAssertGreaterThan(left, 0)
    XCTAssertGreaterThan(error(small), error(large), "32 px must lose more than 128 px")
    XCTAssertGreaterThan(error(large), 0)
  }

  func testRoundTripDatasetsKeepTheFacesAndTheirTargets() throws {
    let trainer = OracleTrainer()
    let sharp = try trainer.dataset(count: 6, seed: 5, intermediates: true)
    let fixed = try trainer.dataset(count: 6, seed: 5, intermediates: true, resolution: .fixed(40))
    let none = try trainer.dataset(count: 6, seed: 5, intermediates: true, resolution: .random(share: 0, sizes: 40...128))
    let all = try trainer.dataset(count: 6, seed: 5, intermediates: true, resolution: .random(share: 1, sizes: 40...41))
    XCTAssertEqual(sharp.targets, fixed.targets, "resizing must not change what the faces are")
    XCTAssertEqual(sharp.targets, all.targets)
    XCTAssertEqual(sharp.inputs, none.inputs, "share 0 is the sharp renders")
    XCTAssertNotEqual(sharp.inputs, fixed.inputs)
    XCTAssertNotEqual(sharp.inputs, all.inputs)
  }

  func testReportMeasuresTheRoundTripAndRejectsBadShares() throws {
    var trainer = OracleTrainer()
    trainer.trainingFaces = 16
    trainer.validationFaces = 8
    trainer.epochs = 1
    trainer.batchSize = 8
    var lines: [String] = []
    let (_, accuracy) = try trainer.train { lines.append($0) }
    let roundTrip = try XCTUnwrap(accuracy.roundTrip)
    XCTAssertEqual(roundTrip.size, 64)
    XCTAssertEqual(roundTrip.accuracy.count, ToyFaceAttribute.allCases.count)
    XCTAssertTrue(lines.last?.contains("through 64 px") ?? false, lines.last ?? "no log")

    trainer.roundTripShare = 1.5
    XCTAssertThrowsError(try trainer.train { _ in }) { error in
      XCTAssertTrue("\(error)".contains("share"), "\(error)")
    }
  }

  func testReportsWrittenBeforeTheRoundTripStillDecode() throws {
    let old = #"{"faces": 2, "accuracy": {"Male": 1}, "meanAbsoluteError": {"Male": 0.1}, "minimumAccuracy": 1, "meanAccuracy": 1}"#
    let decoded = try JSONDecoder().decode(OracleAccuracy.self, from: Data(old.utf8))
    XCTAssertNil(decoded.roundTrip)
  }
}
