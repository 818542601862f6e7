import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// `mpirun -np 2 morph train homointerp`: two ranks of 4 faces train as one process does with
/// the same 8 faces in two micro-batches of 4, and a resumed MPI run equals the uninterrupted
/// one. Skipped, saying so, where Open MPI's mpirun is not installed.
final class MPITrainingTests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    guard let mpirun = Self.mpirun else {
      throw XCTSkip("mpirun not found on PATH: install Open MPI (apt-get install openmpi-bin) to run the MPI training tests")
    }
    _ = mpirun
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("morph-mpi-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
    try ToyFaceSetWriter(seed: 3).write(count: 12, to: folder.appendingPathComponent("faces"))
  }

  static let mpirun: URL? = {
    let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
    return path.split(separator: ":").map { URL(fileURLWithPath: String($0)).appendingPathComponent("mpirun") }
      .first { FileManager.default.isExecutableFile(atPath: $0.path) }
  }()

  /// The `morph` executable beside the test bundle.
  static var morph: URL {
    let bundle = Bundle(for: MPITrainingTests.self).bundleURL
    let candidates = [bundle, bundle.deletingLastPathComponent()].map { $0.appendingPathComponent("morph") }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) } ?? candidates[0]
  }

  /// A tiny model, 3 steps: classifier, warm-up, and a full step that trains the critic and
  /// the interpolator (n-critic 1), so every optimiser and the decoder's batch norm take part.
  /// Jitter stays on: each rank's images must be the ones the whole batch would have.
  func training(out: String, steps: Int = 3, batch: Int = 8) -> [String] {
    [
      "train", "homointerp", "--data", "faces", "--out", out, "--steps", String(steps), "--batch", String(batch), "--size", "32",
      "--width", "0.0625", "--poolings", "2", "--classifier-steps", "1", "--warmup", "1", "--n-critic", "1",
      "--sample-every", "0", "--checkpoint-every", "1", "--log-every", "1", "--seed", "7",
    ]
  }

  struct Result {
    var status: Int32
    var output: String
  }

  /// Runs `morph arguments`, under `mpirun -np ranks` when `ranks` is given. The engine runs
  /// one thread per process, so every run sums in the same order whatever the machine.
  func run(_ arguments: [String], ranks: Int? = nil) throws -> Result {
    let process = Process()
    if let ranks, let mpirun = Self.mpirun {
      process.executableURL = mpirun
      process.arguments =
        ["--allow-run-as-root", "--oversubscribe", "-np", String(ranks), "-x", "MORPH_ENGINE_THREADS=1", Self.morph.path] + arguments
    } else {
      process.executableURL = Self.morph
      process.arguments = arguments
    }
    var environment = ProcessInfo.processInfo.environment
    environment["MORPH_ENGINE_THREADS"] = "1"
    // A plain run must not take the test runner's environment for an MPI launch.
    environment["OMPI_COMM_WORLD_SIZE"] = nil
    process.environment = environment
    process.currentDirectoryURL = folder
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = pipe
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return Result(status: process.terminationStatus, output: String(decoding: data, as: UTF8.self))
  }

  /// Model weights, batch-norm statistics and optimiser moments of a run's checkpoint.
  func state(_ out: String) throws -> [String: Tensor] {
    let url = folder.appendingPathComponent(out).appendingPathComponent("homointerp.safetensors")
    let (model, info, extra) = try HomoInterpModel.loadCheckpoint(from: url)
    XCTAssertEqual(info.step, 3, "\(out) ends at step 3")
    return model.stateDict().merging(extra) { a, _ in a }
  }

  /// The largest relative difference ‖a − b‖ / ‖b‖ over the tensors both hold (which must
  /// be the same set), with the name of the tensor it is in.
  func largestDifference(_ a: [String: Tensor], _ b: [String: Tensor]) -> (Double, String) {
    XCTAssertEqual(Set(a.keys), Set(b.keys))
    var worst = (0.0, "")
    for (name, x) in a {
      guard let y = b[name] else { continue }
      var diff = 0.0, norm = 0.0
      for (u, v) in zip(x.scalars, y.scalars) {
        diff += Double(u - v) * Double(u - v)
        norm += Double(v) * Double(v)
      }
      let relative = diff == 0 ? 0 : diff.squareRoot() / max(norm.squareRoot(), 1e-30)
      if relative > worst.0 { worst = (relative, name) }
    }
    return worst
  }

  func testTwoRanksTrainAsTwoMicroBatchesInOneProcess() throws {
    let mpi = try run(training(out: "mpi"), ranks: 2)
    XCTAssertEqual(mpi.status, 0, mpi.output)
    XCTAssertTrue(mpi.output.contains("data-parallel: 2 MPI ranks × 1 micro-batches of 4 faces"), mpi.output)
    XCTAssertTrue(mpi.output.contains("step 3/3 [full]"), mpi.output)
    let single = try run(training(out: "single") + ["--micro-batches", "2"])
    XCTAssertEqual(single.status, 0, single.output)
    let (worst, name) = largestDifference(try state("mpi"), try state("single"))
    XCTAssertLessThanOrEqual(worst, 1e-5, "largest relative difference in \(name)")
    // The comparison can fail: one batch of 8 (its own batch-norm moments and edit partners)
    // trains differently.
    let whole = try run(training(out: "whole"))
    XCTAssertEqual(whole.status, 0, whole.output)
    XCTAssertGreaterThan(largestDifference(try state("whole"), try state("single")).0, 1e-3)
  }

  func testAResumedMPIRunEqualsTheUninterruptedOne() throws {
    let straight = try run(training(out: "straight"), ranks: 2)
    XCTAssertEqual(straight.status, 0, straight.output)
    let first = try run(training(out: "resumed", steps: 2), ranks: 2)
    XCTAssertEqual(first.status, 0, first.output)
    let second = try run(["train", "homointerp", "--data", "faces", "--out", "resumed", "--resume", "--steps", "3"], ranks: 2)
    XCTAssertEqual(second.status, 0, second.output)
    XCTAssertTrue(second.output.contains("resumed") && second.output.contains("at step 2 of 3"), second.output)
    XCTAssertFalse(second.output.contains("note: the checkpoint was trained by"), second.output)
    let (worst, name) = largestDifference(try state("resumed"), try state("straight"))
    XCTAssertLessThanOrEqual(worst, 1e-5, "largest relative difference in \(name)")
  }

  /// A failing rank ends the whole job with its message rather than leaving the other rank
  /// waiting in an all-reduce: here a batch of 4 does not cut into 2 ranks × 2 micro-batches
  /// of 2 faces or more.
  func testABatchThatDoesNotSplitOverTheRanksIsRefused() throws {
    let result = try run(training(out: "odd", batch: 4) + ["--micro-batches", "2"], ranks: 2)
    XCTAssertNotEqual(result.status, 0, result.output)
    XCTAssertTrue(result.output.contains("batch 4 does not split into 4 parts"), result.output)
  }
}
