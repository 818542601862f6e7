import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// The decoder polish: the last steps of a run train the decoder alone.
final class HomoInterpDecoderPolishTests: XCTestCase {
  static func polishOptions(steps: Int = 14, polish: Int = 10) -> HomoInterpTrainingOptions {
    var options = HomoInterpTrainingOptions()
    options.steps = steps
    options.batchSize = 4
    options.classifierSteps = 2
    options.warmupSteps = 1
    options.nCritic = 1
    options.jitter = false
    options.seed = 5
    options.weights.reconstructionGradient = 1
    options.weights.reconstructionAttribute = 1
    options.decoderPolishSteps = polish
    options.decoderPolishLearningRate = 1e-3
    return options
  }

  func testPhasesEndWithThePolishAndItsRateFallsAlongACosine() throws {
    let o = Self.polishOptions(steps: 14, polish: 10)
    XCTAssertEqual((0..<14).map { o.phase(at: $0) }, [.classifier, .classifier, .warmup, .full] + Array(repeating: .decoderPolish, count: 10))
    XCTAssertEqual(o.decoderPolishLearningRate(at: 4), 1e-3, accuracy: 1e-9, "full rate at its first step")
    XCTAssertEqual(o.decoderPolishLearningRate(at: 9), 5e-4, accuracy: 1e-9, "half way: half")
    XCTAssertEqual(o.decoderPolishLearningRate(at: 13), 1e-3 * Float(0.5 * (1 + cos(Double.pi * 0.9))), accuracy: 1e-9)
    var none = o
    none.decoderPolishSteps = nil
    XCTAssertEqual(none.phase(at: 13), .full, "runs without it (and older checkpoints) keep the full objective to the end")
    var defaultRate = o
    defaultRate.decoderPolishLearningRate = nil
    XCTAssertEqual(defaultRate.decoderPolishLearningRate(at: 4), defaultRate.learningRate)
  }

  func testAPolishThatDoesNotFitOrHasNoRateIsRefused() {
    var long = Self.polishOptions(steps: 14, polish: 12)
    XCTAssertThrowsError(try long.validate()) { XCTAssertTrue("\($0)".contains("does not fit"), "\($0)") }
    long.decoderPolishSteps = 11
    XCTAssertNoThrow(try long.validate())
    var rate = Self.polishOptions()
    rate.decoderPolishLearningRate = 0
    XCTAssertThrowsError(try rate.validate()) { XCTAssertTrue("\($0)".contains("decoder polish"), "\($0)") }
    var negative = Self.polishOptions()
    negative.decoderPolishSteps = -1
    XCTAssertThrowsError(try negative.validate())
  }

  /// Polish steps lower the reconstruction losses and move the decoder only: the latents
  /// and every edit made in them are what the run trained.
  func testPolishTrainsTheDecoderAloneAndLowersReconstruction() throws {
    let trainer = try HomoInterpTrainingTests.trainer(Self.polishOptions(steps: 40, polish: 36))
    for _ in 0..<4 { _ = try trainer.trainStep() }  // classifier, warm-up, one full step
    let m = trainer.model
    let fixed = [m.encoder.parameters, m.interpolator.parameters, m.critic.parameters, m.projection.parameters].map { $0.map(\.scalars) }
    let classifier = try XCTUnwrap(trainer.classifier).parameters.map(\.scalars)
    let decoder = m.decoder.parameters.map(\.scalars)
    var reports: [HomoInterpStepReport] = []
    for _ in 0..<36 { reports.append(try trainer.trainStep()) }
    XCTAssertTrue(reports.allSatisfy { $0.phase == .decoderPolish })
    XCTAssertEqual(Set(reports[0].losses.keys), ["reconstruction", "perceptual", "reconstruction_gradient", "reconstruction_attribute", "latent_spread"])
    func mean(_ r: ArraySlice<HomoInterpStepReport>) throws -> Float {
      try r.map { try XCTUnwrap($0.losses["reconstruction"]) }.reduce(0, +) / Float(r.count)
    }
    XCTAssertLessThan(try mean(reports.suffix(6)), try mean(reports.prefix(6)))
    XCTAssertEqual(
      [m.encoder.parameters, m.interpolator.parameters, m.critic.parameters, m.projection.parameters].map { $0.map(\.scalars) }, fixed,
      "encoder, interpolator, critic and projection stay as trained")
    XCTAssertEqual(try XCTUnwrap(trainer.classifier).parameters.map(\.scalars), classifier, "the judge is not trained by what it judges")
    XCTAssertNotEqual(m.decoder.parameters.map(\.scalars), decoder)
  }

  /// The edit term: the judge's reading of decoded edits trains the decoder alone, lowers
  /// over the polish, and leaves the batch-norm statistics to the reconstructions.
  func testPolishEditTrainsTheDecoderOnEditsAndKeepsItsStatisticsOfFaces() throws {
    var options = Self.polishOptions(steps: 40, polish: 36)
    options.weights.polishEdit = 50
    let trainer = try HomoInterpTrainingTests.trainer(options)
    let plain = try HomoInterpTrainingTests.trainer(Self.polishOptions(steps: 40, polish: 36))
    for _ in 0..<4 {
      _ = try trainer.trainStep()
      _ = try plain.trainStep()
    }
    let m = trainer.model
    let fixed = [m.encoder.parameters, m.interpolator.parameters, m.critic.parameters, m.projection.parameters].map { $0.map(\.scalars) }
    let first = try trainer.trainStep()
    _ = try plain.trainStep()
    XCTAssertEqual(Set(first.losses.keys), ["reconstruction", "perceptual", "reconstruction_gradient", "reconstruction_attribute", "polish_edit", "latent_spread"])
    XCTAssertEqual(
      m.decoder.namedBuffers().map(\.tensor.scalars), plain.model.decoder.namedBuffers().map(\.tensor.scalars),
      "running statistics as if the edits had not passed")
    XCTAssertNotEqual(m.decoder.parameters.map(\.scalars), plain.model.decoder.parameters.map(\.scalars), "the edit term moves the weights")
    // The same faces and edits before and after the polish: their loss falls.
    func probe() throws -> Float {
      var rng = RandomGenerator(seed: 99)
      let (x, z) = try trainer.drawBatch(&rng, number: 0)
      let f = try withoutGrad { try m.encoder(x) }
      return try withoutGrad { try trainer.polishEditLoss(f, z, classifier: try XCTUnwrap(trainer.classifier), rng: &rng) }.item
    }
    let before = try probe()
    for _ in 0..<35 { XCTAssertNotNil(try trainer.trainStep().losses["polish_edit"]) }
    let after = try probe()
    XCTAssertLessThan(after, before)
    XCTAssertEqual(
      [m.encoder.parameters, m.interpolator.parameters, m.critic.parameters, m.projection.parameters].map { $0.map(\.scalars) }, fixed,
      "the edits are the run's: only the decoder learns to draw them")
  }

  func testAResumedPolishContinuesIdentically() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("polish-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("ck.safetensors")
    let a = try HomoInterpTrainingTests.trainer(Self.polishOptions(steps: 12, polish: 6))
    for _ in 0..<8 { _ = try a.trainStep() }  // two steps into the polish
    try a.saveCheckpoint(to: url)
    var expected: [[String: Float]] = []
    for _ in 0..<4 { expected.append(try a.trainStep().losses) }
    let b = try HomoInterpTrainer.resume(from: url, data: a.data)
    XCTAssertEqual(b.options.decoderPolishSteps, 6)
    var got: [[String: Float]] = []
    for _ in 0..<4 { got.append(try b.trainStep().losses) }
    XCTAssertEqual(got, expected)
    let sa = a.model.stateDict(), sb = b.model.stateDict()
    for (k, v) in sa { XCTAssertEqual(sb[k]?.scalars, v.scalars, k) }
  }
}
