import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// CycleGAN training on tiny shapes: losses fall, resume is exact, NaN stops, checkpoints check.
final class CycleGANTrainerTests: XCTestCase {
  /// Domain A: dark images with a bright square; domain B: bright images with a dark square.
  func domains(count: Int, side: Int = 16) -> (Tensor, Tensor) {
    var rng = RandomGenerator(seed: 11)
    func image(_ bright: Bool) -> [Float] {
      let x0 = Int(rng.next() % UInt64(side / 2)), y0 = Int(rng.next() % UInt64(side / 2))
      var px = [Float](repeating: bright ? 0.7 : -0.7, count: 3 * side * side)
      for c in 0..<3 {
        for y in y0..<(y0 + side / 4) {
          for x in x0..<(x0 + side / 4) { px[(c * side + y) * side + x] = bright ? -0.6 : 0.6 }
        }
      }
      return px
    }
    let a = (0..<count).flatMap { _ in image(false) }, b = (0..<count).flatMap { _ in image(true) }
    return (Tensor(shape: [count, 3, side, side], scalars: a), Tensor(shape: [count, 3, side, side], scalars: b))
  }

  func options(steps: Int) -> CycleGANTrainingOptions {
    var o = CycleGANTrainingOptions()
    o.steps = steps
    o.batchSize = 2
    o.learningRate = 2e-3
    o.decaySteps = 2
    o.poolSize = 4
    o.seed = 9
    return o
  }

  func temp(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("cyclegan-\(name)-\(UUID().uuidString)")
  }

  func testAFewStepsLowerTheLosses() throws {
    let (a, b) = domains(count: 6)
    let data = try CycleGANData.tensors(a: a, b: b)
    for kind in CycleGANGeneratorKind.allCases {
      let model = try CycleGANModel(config: .tiny(split: .attribute("Smiling"), generator: kind), seed: 1)
      let trainer = try CycleGANTrainer(model: model, options: options(steps: 12))
      var history: [CycleGANLosses] = []
      while trainer.step < 12 {
        let s = trainer.step
        let xa = try data.load(false, trainer.batchIndices(step: s, count: 6, domainB: false), s)
        let xb = try data.load(true, trainer.batchIndices(step: s, count: 6, domainB: true), s)
        history.append(try trainer.trainStep(realA: xa, realB: xb))
      }
      let first = history.prefix(2), last = history.suffix(2)
      func mean(_ xs: ArraySlice<CycleGANLosses>, _ f: (CycleGANLosses) -> Float) -> Float { xs.map(f).reduce(0, +) / Float(xs.count) }
      XCTAssertLessThan(mean(last) { $0.cycleA + $0.cycleB }, mean(first) { $0.cycleA + $0.cycleB }, "\(kind): cycle loss falls")
      XCTAssertLessThan(mean(last, \.generator), mean(first, \.generator), "\(kind): generator loss falls")
      XCTAssertLessThan(mean(last) { $0.discriminatorA + $0.discriminatorB }, mean(first) { $0.discriminatorA + $0.discriminatorB }, "\(kind): discriminator loss falls")
    }
  }

  func testResumeRepeatsAnUninterruptedRunExactly() throws {
    let (a, b) = domains(count: 5)
    let data = try CycleGANData.tensors(a: a, b: b)
    let config = CycleGANConfig.tiny(split: .attribute("Smiling"))
    let straight = try CycleGANTrainer(model: try CycleGANModel(config: config, seed: 4), options: options(steps: 5))
    try straight.run(data: data, checkpoint: nil)

    let url = temp("resume")
    defer {
      let (w, m) = CycleGANModel.checkpointPaths(url)
      try? FileManager.default.removeItem(at: w)
      try? FileManager.default.removeItem(at: m)
    }
    let first = try CycleGANTrainer(model: try CycleGANModel(config: config, seed: 4), options: options(steps: 5))
    // Interrupt after 3 of 5 steps (the same lr schedule), save, resume, finish.
    while first.step < 3 {
      let s = first.step
      try first.trainStep(
        realA: try data.load(false, first.batchIndices(step: s, count: 5, domainB: false), s * 2),
        realB: try data.load(true, first.batchIndices(step: s, count: 5, domainB: true), s * 2))
    }
    try first.save(to: url)
    let resumed = try CycleGANTrainer.resume(from: url)
    XCTAssertEqual(resumed.step, 3)
    XCTAssertEqual(resumed.poolA.images, first.poolA.images)
    try resumed.run(data: data, checkpoint: url)
    XCTAssertEqual(resumed.step, 5)
    let s1 = straight.model.stateDict(), s2 = resumed.model.stateDict()
    XCTAssertEqual(Set(s1.keys), Set(s2.keys))
    for (k, v) in s1 { XCTAssertEqual(v.scalars, s2[k]?.scalars, "tensor \(k) differs after resume") }
    XCTAssertEqual(straight.lastLosses, resumed.lastLosses)
    // The final checkpoint loads back as an inference model with the same output.
    let loaded = try CycleGANModel.load(from: url)
    let x = a.batch(0..<1)
    XCTAssertEqual(try loaded.translate(x, .aToB).scalars, try straight.model.translate(x, .aToB).scalars)
    XCTAssertEqual(try CycleGANModel.readInfo(CycleGANModel.checkpointPaths(url).metadata).step, 5)
  }

  func testNonFiniteLossStopsWithAClearError() throws {
    let model = try CycleGANModel(config: .tiny(split: .attribute("Smiling")), seed: 1)
    let trainer = try CycleGANTrainer(model: model, options: options(steps: 3))
    let bad = Tensor.full([1, 3, 16, 16], .nan)
    XCTAssertThrowsError(try trainer.trainStep(realA: bad, realB: Tensor.zeros([1, 3, 16, 16]))) { error in
      guard case CycleGANError.nonFinite(let step, let loss, _) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(step, 1)
      XCTAssertEqual(loss, "generator")
    }
    XCTAssertThrowsError(try trainer.trainStep(realA: Tensor.zeros([1, 3, 8, 8]), realB: Tensor.zeros([1, 3, 16, 16])))
  }

  func testBadCheckpointsAndOptionsAreRefused() throws {
    let url = temp("missing")
    XCTAssertThrowsError(try CycleGANModel.load(from: url)) { XCTAssertTrue("\($0)".contains(url.lastPathComponent), "\($0)") }
    let model = try CycleGANModel(config: .tiny(split: .attribute("Smiling")), seed: 1)
    try model.save(to: url, step: 0)
    defer {
      let (w, m) = CycleGANModel.checkpointPaths(url)
      try? FileManager.default.removeItem(at: w)
      try? FileManager.default.removeItem(at: m)
    }
    XCTAssertNoThrow(try CycleGANModel.load(from: url))
    XCTAssertThrowsError(try CycleGANTrainer.resume(from: url)) { XCTAssertTrue("\($0)".contains("cannot be resumed"), "\($0)") }
    try Data("{\"format\": \"x\"}".utf8).write(to: CycleGANModel.checkpointPaths(url).metadata)
    XCTAssertThrowsError(try CycleGANModel.load(from: url)) { XCTAssertTrue("\($0)".contains("lacks field"), "\($0)") }
    var o = CycleGANTrainingOptions()
    o.learningRate = -1
    XCTAssertThrowsError(try CycleGANTrainer(model: model, options: o))
    o = CycleGANTrainingOptions()
    o.steps = 10
    o.decaySteps = 4
    XCTAssertEqual(o.learningRate(at: 5), 2e-4)
    XCTAssertEqual(o.learningRate(at: 6), 2e-4 * 4 / 5, accuracy: 1e-9)
    XCTAssertEqual(o.learningRate(at: 9), 2e-4 * 1 / 5, accuracy: 1e-9)
  }
}
