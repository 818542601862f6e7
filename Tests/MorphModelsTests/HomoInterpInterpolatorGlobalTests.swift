import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// Interpolator branches with a pooled, whole-latent term, and full steps that train the
/// interpolator alone (`autoencoderFrozen`).
final class HomoInterpInterpolatorGlobalTests: XCTestCase {
  static let groups = HomoInterpModelTests.groups

  /// Seeded from a plain model the pooled branches compute exactly what it does; once their
  /// weights move, a change of the reference at one corner reaches the opposite corner, which
  /// three 3×3 convolutions cannot see. Strength 0 still returns the source; the field and
  /// weights survive a save and load.
  func testPooledBranchesStartAsThePlainOnesThenReadTheWholeLatent() throws {
    let model = HomoInterpModel(config: .tiny(groups: Self.groups), seed: 5)
    let pooled = try model.withInterpolatorPoolingGlobally()
    XCTAssertTrue(pooled.config.branchesPoolGlobally)
    XCTAssertFalse(model.config.branchesPoolGlobally)
    XCTAssertTrue(try pooled.withInterpolatorPoolingGlobally() === pooled)
    let (c, side) = (model.config.latentChannels, model.config.latentSide)
    let state = pooled.stateDict()
    for k in 0...Self.groups.count {
      XCTAssertEqual(state["interpolator.globals.\(k).weight"]?.shape, [c, c, 1, 1])
      XCTAssertEqual(state["interpolator.globals.\(k).weight"]?.scalars.allSatisfy { $0 == 0 }, true)
    }
    XCTAssertNil(model.stateDict()["interpolator.globals.0.weight"])

    let (source, reference) = HomoInterpModelTests.spikedPair(model.config)
    var rng = RandomGenerator(seed: 11)
    let other = Tensor.rand([1, c, side, side], low: -1, high: 1, rng: &rng)
    XCTAssertEqual(
      try pooled.interpolate(source: source, reference: other, strengths: [0.7, 0.3]).scalars,
      try model.interpolate(source: source, reference: other, strengths: [0.7, 0.3]).scalars)
    func change(_ m: HomoInterpModel, at cell: (Int, Int)) throws -> Float {
      try HomoInterpModelTests.change(m, source: source, reference: reference, at: cell)
    }
    let far = (side - 1, side - 1)
    XCTAssertEqual(try change(pooled, at: far), 0, "zero pooled weights: still the plain branches' reach")
    var moved = pooled.stateDict()
    for k in 0...Self.groups.count {
      moved["interpolator.globals.\(k).weight"] = Tensor.rand([c, c, 1, 1], low: -0.5, high: 0.5, rng: &rng)
    }
    try pooled.load(stateDict: moved, strict: true)
    XCTAssertGreaterThan(try change(pooled, at: far), 1e-6)
    XCTAssertEqual(try change(model, at: far), 0)
    XCTAssertEqual(try pooled.interpolate(source: source, reference: reference, strengths: [0, 0]).scalars, source.scalars)

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("homointerp-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    try pooled.save(to: dir.appendingPathComponent("g.safetensors"), metadata: [:])
    let loaded = try HomoInterpModel.load(from: dir.appendingPathComponent("g.safetensors"))
    XCTAssertEqual(loaded.config.interpolatorGlobal, true)
    XCTAssertEqual(
      try loaded.interpolate(source: source, reference: reference, strengths: [0.5, 1]).scalars,
      try pooled.interpolate(source: source, reference: reference, strengths: [0.5, 1]).scalars)
  }

  /// The pooled weights get gradients from an interpolator loss even when they are zero.
  func testPooledWeightsReceiveGradients() throws {
    let pooled = try HomoInterpModel(config: .tiny(groups: Self.groups), seed: 5).withInterpolatorPoolingGlobally()
    let (c, side) = (pooled.config.latentChannels, pooled.config.latentSide)
    var rng = RandomGenerator(seed: 2)
    let a = Tensor.rand([2, c, side, side], low: -1, high: 1, rng: &rng)
    let b = Tensor.rand([2, c, side, side], low: -1, high: 1, rng: &rng)
    let v = Tensor(shape: [2, 3], scalars: [1, 0, 0, 0.5, 0, 0])
    let out = try pooled.interpolator(source: a, reference: b, strengths: v)
    try out.square().mean().backward()
    let named = Dictionary(uniqueKeysWithValues: pooled.interpolator.namedParameters(prefix: ""))
    let grad = try XCTUnwrap(named["globals.0.weight"]?.grad)
    XCTAssertGreaterThan(grad.scalars.map(abs).max() ?? 0, 0)
    XCTAssertEqual(named["globals.1.weight"]?.grad?.scalars.map(abs).max() ?? 0, 0, "a branch at strength 0 everywhere is skipped")
  }

  /// With the autoencoder frozen, full steps move the interpolator and the critic only, and
  /// report no reconstruction losses; the option survives a save and a resume.
  func testFrozenAutoencoderTrainsOnlyTheInterpolatorAndCritic() throws {
    var options = HomoInterpDecoderPolishTests.polishOptions(steps: 12, polish: 0)
    options.decoderPolishSteps = nil
    options.autoencoderFrozen = true
    let trainer = try HomoInterpTrainingTests.trainer(options)
    for _ in 0..<3 { _ = try trainer.trainStep() }  // classifier, warm-up
    let m = trainer.model
    let fixed = [m.encoder.parameters, m.decoder.parameters, m.projection.parameters].map { $0.map(\.scalars) }
    let interpolator = m.interpolator.parameters.map(\.scalars)
    let critic = m.critic.parameters.map(\.scalars)
    var reports: [HomoInterpStepReport] = []
    for _ in 0..<4 { reports.append(try trainer.trainStep()) }
    XCTAssertTrue(reports.allSatisfy { $0.phase == .full })
    for r in reports {
      XCTAssertNil(r.losses["reconstruction"])
      XCTAssertNotNil(r.losses["interpolate_all"])
      XCTAssertNotNil(r.losses["pixel_attribute"])
    }
    XCTAssertEqual([m.encoder.parameters, m.decoder.parameters, m.projection.parameters].map { $0.map(\.scalars) }, fixed)
    XCTAssertNotEqual(m.interpolator.parameters.map(\.scalars), interpolator)
    XCTAssertNotEqual(m.critic.parameters.map(\.scalars), critic)
    XCTAssertTrue(m.critic.parameters.allSatisfy(\.requiresGrad), "the critic trains again on the next step")

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("frozen-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("ck.safetensors")
    try trainer.saveCheckpoint(to: url)
    let resumed = try HomoInterpTrainer.resume(from: url, dataDirectory: HomoInterpTrainingTests.faces)
    XCTAssertTrue(resumed.options.autoencoderFrozen)
  }

  /// A run seeded by a plain checkpoint and asking for pooled branches starts from what the
  /// checkpoint computes.
  func testARunSeededByAPlainCheckpointGainsPooledBranches() throws {
    let config = HomoInterpConfig.tiny(groups: HomoInterpTrainingTests.groups)
    let data = try HomoInterpData(
      directory: HomoInterpTrainingTests.faces, groups: config.groups, imageSize: config.imageSize, jitter: nil, seed: 9)
    var options = HomoInterpTrainingOptions()
    options.steps = 4
    options.batchSize = 4
    options.classifierSteps = 1
    options.warmupSteps = 0
    let plain = try HomoInterpTrainer(config: config, data: data, options: options)
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("seed-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("plain.safetensors")
    try plain.saveCheckpoint(to: url)
    var asked = config
    asked.interpolatorGlobal = true
    let seeded = try HomoInterpTrainer(config: asked, data: data, options: options, initialWeights: url)
    XCTAssertTrue(seeded.model.config.branchesPoolGlobally)
    let (c, side) = (config.latentChannels, config.latentSide)
    var rng = RandomGenerator(seed: 4)
    let a = Tensor.rand([1, c, side, side], low: -1, high: 1, rng: &rng)
    let b = Tensor.rand([1, c, side, side], low: -1, high: 1, rng: &rng)
    let strengths = [Float](repeating: 0.6, count: seeded.model.config.groups.count)
    XCTAssertEqual(
      try seeded.model.interpolate(source: a, reference: b, strengths: strengths).scalars,
      try plain.model.interpolate(source: a, reference: b, strengths: strengths).scalars)
    let unasked = try HomoInterpTrainer(config: config, data: data, options: options, initialWeights: url)
    XCTAssertFalse(unasked.model.config.branchesPoolGlobally)
  }
}
