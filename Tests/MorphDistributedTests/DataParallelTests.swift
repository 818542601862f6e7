import Foundation
import MorphDistributed
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// A stand-in for an MPI job of two ranks, seen from rank 0: the other rank's contribution to
/// each all-reduce is `other` when given, else a copy of this rank's (an identical twin).
/// Records every collective call, so tests can count them.
final class TwinGroup: DataParallelGroup {
  let rank = 0
  let size = 2
  var other: [Float]?
  private(set) var allReduceLengths: [Int] = []
  private(set) var broadcasts = 0

  func allReduceSum(_ values: inout [Float]) throws {
    allReduceLengths.append(values.count)
    let contribution = other ?? values
    XCTAssertEqual(contribution.count, values.count, "both ranks reduce buffers of one length")
    for i in values.indices { values[i] += contribution[i] }
  }

  func broadcast(_ values: inout [Float], from root: Int) throws {
    XCTAssertEqual(root, 0)
    broadcasts += 1
  }
}

/// The data-parallel pieces that need no MPI: the fused gradient average, and how many
/// collectives a training step makes.
final class DataParallelTests: XCTestCase {
  /// Gradients travel in one buffer with a presence flag per tensor: a tensor that only the
  /// other rank reached gets its gradient / 2, one that neither reached stays nil.
  func testGradientsAreAveragedInOneFusedBufferWithPresenceFlags() throws {
    let a = Tensor(shape: [2], scalars: [0, 0]), b = Tensor(shape: [3], scalars: [0, 0, 0]), c = Tensor(shape: [1], scalars: [0])
    a.grad = Tensor(shape: [2], scalars: [1, 2])
    let group = TwinGroup()
    // The other rank: a's gradient 3, 4; b untouched; c's gradient 5. Flags after the values.
    group.other = [3, 4, 0, 0, 0, 5, 1, 0, 1]
    try DataParallel.averageGradients(of: [a, b, c], parts: 2, group: group)
    XCTAssertEqual(group.allReduceLengths, [9], "one call for all three tensors")
    XCTAssertEqual(a.grad?.scalars, [2, 3])
    XCTAssertNil(b.grad, "no rank reached b: the optimiser must skip it, not step it with zeros")
    XCTAssertEqual(c.grad?.scalars, [2.5])
  }

  /// Without a group, micro-batch gradients (summed by backward) are divided by their count;
  /// one part leaves them untouched.
  func testLocalMicroBatchesDivideTheSummedGradients() throws {
    let a = Tensor(shape: [2], scalars: [0, 0])
    a.grad = Tensor(shape: [2], scalars: [3, -1])
    try DataParallel.averageGradients(of: [a], parts: 1, group: nil)
    XCTAssertEqual(a.grad?.scalars, [3, -1])
    try DataParallel.averageGradients(of: [a], parts: 2, group: nil)
    XCTAssertEqual(a.grad?.scalars, [1.5, -0.5])
  }

  static let groups = [
    AttributeGroup(name: "expression", attributes: ["Mouth_Slightly_Open", "Smiling"]),
    AttributeGroup(name: "age", attributes: ["Young"]),
  ]

  static let faces: URL = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("morph-dp-faces-\(UUID().uuidString)")
    _ = try? ToyFaceSetWriter(seed: 3).write(count: 12, to: dir)
    return dir
  }()

  static func trainer(batch: Int = 4, microBatches: Int? = nil) throws -> HomoInterpTrainer {
    var options = HomoInterpTrainingOptions()
    options.steps = 3
    options.batchSize = batch
    options.microBatches = microBatches
    options.classifierSteps = 1
    options.warmupSteps = 1
    options.nCritic = 1
    options.seed = 11
    let config = HomoInterpConfig.tiny(groups: groups)
    let data = try HomoInterpData(directory: faces, groups: config.groups, imageSize: config.imageSize, jitter: HomoInterpData.defaultJitter, seed: 9)
    return try HomoInterpTrainer(config: config, data: data, options: options)
  }

  /// One all-reduce per optimiser update (the classifier's; the critic's; the encoder,
  /// decoder, projection and interpolator's together), plus one per step for the batch-norm
  /// statistics and losses — never one per tensor.
  func testEachOptimiserUpdateMakesOneAllReduce() throws {
    let trainer = try Self.trainer()
    let group = TwinGroup()
    try trainer.joinDataParallel(group)
    XCTAssertEqual(group.broadcasts, 2, "the settings check and rank 0's weights")
    XCTAssertEqual(trainer.partsPerStep, 2)
    var perStep: [Int] = []
    for _ in 0..<3 {
      let before = group.allReduceLengths.count
      _ = try trainer.trainStep()
      perStep.append(group.allReduceLengths.count - before)
    }
    XCTAssertEqual(perStep, [2, 2, 3], "classifier, warm-up, full step")
    let ae = trainer.aeOptimizer.parameters + trainer.interpolatorOptimizer.parameters
    let fused = ae.reduce(0) { $0 + $1.tensor.count } + ae.count
    XCTAssertTrue(group.allReduceLengths.contains(fused), "the full step's generator update carries all its tensors at once")
    XCTAssertFalse(trainer.writesOutputs == false, "rank 0 writes")
  }

  /// Micro-batches run the same step as one batch would only in shape: each part is a batch
  /// of its own, so two micro-batches of 2 train differently from one batch of 4, and a
  /// batch that does not cut into parts of two faces is refused, naming the numbers.
  func testMicroBatchesChangeTheStepAndMustDivideTheBatch() throws {
    let whole = try Self.trainer(batch: 4)
    let parts = try Self.trainer(batch: 4, microBatches: 2)
    for _ in 0..<3 {
      _ = try whole.trainStep()
      _ = try parts.trainStep()
    }
    let w = whole.model.decoder.namedParameters().map(\.tensor.scalars), p = parts.model.decoder.namedParameters().map(\.tensor.scalars)
    XCTAssertNotEqual(w, p, "batch-norm moments and edit partners are per micro-batch")
    XCTAssertThrowsError(try Self.trainer(batch: 6, microBatches: 4)) {
      XCTAssertTrue("\($0)".contains("micro-batches 4 must divide the batch 6"), "\($0)")
    }
    let odd = try Self.trainer(batch: 4)
    XCTAssertThrowsError(try odd.joinDataParallel(OddGroup())) {
      XCTAssertTrue("\($0)".contains("batch 4 does not split into 3 parts"), "\($0)")
    }
  }
}

/// Three ranks, as rank 0 sees them, that echo every buffer.
final class OddGroup: DataParallelGroup {
  let rank = 0
  let size = 3
  func allReduceSum(_ values: inout [Float]) throws {}
  func broadcast(_ values: inout [Float], from root: Int) throws {}
}

/// How `morph` tells an MPI launch from a plain run, without MPI.
final class MPILaunchTests: XCTestCase {
  func testAPlainRunIsNoMPIJobAndABadLauncherVariableIsNamed() throws {
    XCTAssertNil(try MPIGroup.fromLauncher(environment: ["PATH": "/usr/bin"]), "no launcher variable: one process, libmpi untouched")
    XCTAssertThrowsError(try MPIGroup.fromLauncher(environment: ["OMPI_COMM_WORLD_SIZE": "two"])) {
      XCTAssertTrue("\($0)".contains("OMPI_COMM_WORLD_SIZE=two is not a rank count"), "\($0)")
    }
  }
}
