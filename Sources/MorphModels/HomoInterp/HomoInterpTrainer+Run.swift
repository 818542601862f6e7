import Foundation

extension HomoInterpTrainer {
  /// Trains until `options.steps`, writing a checkpoint to `checkpoint` every
  /// `checkpointEvery` steps and at the end, and `samples/step-NNNNNN.png` every
  /// `sampleEvery` steps (0: never). A NaN/Inf loss throws `HomoInterpError.nonFinite`,
  /// leaving the last good checkpoint in place. The two intervals, and `extraMetadata`, are
  /// stored in the checkpoint's metadata (`checkpoint_every`, `sample_every`), so a resume can
  /// keep them (`recordedIntervals`). A refreshing run (`classifierRefreshEvery`) retrains
  /// its classifier afresh on the interval, reporting those steps in the classifier phase,
  /// and checkpoints right after. Every `keepEvery` steps (0: never) the checkpoint written
  /// at that step is also kept as `snapshots/step-NNNNNN.safetensors` beside it (with its
  /// JSON), a full training checkpoint a later run can resume, average (`morph export A B …`)
  /// or take one group's branch from (`--branch`). In a data-parallel run only rank 0 writes
  /// (`writesOutputs`); the other ranks train the same steps.
  public func run(
    checkpoint: URL, checkpointEvery: Int, sampleDirectory: URL?, sampleEvery: Int, keepEvery: Int = 0,
    extraMetadata: [String: String] = [:], onStep: (HomoInterpStepReport) -> Void
  ) throws {
    var metadata = extraMetadata
    metadata["checkpoint_every"] = String(checkpointEvery)
    metadata["sample_every"] = String(sampleEvery)
    if keepEvery > 0 { metadata["keep_every"] = String(keepEvery) }
    if pendingClassifierSteps > 0 {
      try retrainClassifier(onStep: onStep)
      if writesOutputs { try saveCheckpoint(to: checkpoint, extraMetadata: metadata) }
    }
    while step < options.steps {
      if options.classifierRefreshDue(at: step) {
        try refreshClassifier(onStep: onStep)
        if writesOutputs { try saveCheckpoint(to: checkpoint, extraMetadata: metadata) }
      }
      let report = try trainStep()
      onStep(report)
      guard writesOutputs else { continue }
      let keep = keepEvery > 0 && step % keepEvery == 0
      if checkpointEvery > 0 && step % checkpointEvery == 0 || step == options.steps || keep {
        try saveCheckpoint(to: checkpoint, extraMetadata: metadata)
      }
      if keep { try keepSnapshot(of: checkpoint) }
      if let dir = sampleDirectory, sampleEvery > 0, step % sampleEvery == 0 || step == options.steps,
        options.phase(at: step - 1) != .classifier
      {
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try sampleSheet().save(to: dir.appendingPathComponent(String(format: "step-%06d.png", step)))
      }
    }
  }

  /// Where `keepEvery` keeps the checkpoint of `step`: `snapshots/step-NNNNNN.safetensors` in
  /// the checkpoint's folder.
  public static func snapshotURL(of checkpoint: URL, step: Int) -> URL {
    checkpoint.deletingLastPathComponent().appendingPathComponent("snapshots")
      .appendingPathComponent(String(format: "step-%06d.safetensors", step))
  }

  /// Copies the checkpoint just written (weights and JSON) to its snapshot path, each through
  /// a temporary file renamed into place, so a killed run leaves no half snapshot.
  func keepSnapshot(of checkpoint: URL) throws {
    let target = Self.snapshotURL(of: checkpoint, step: step)
    let fm = FileManager.default
    do {
      try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
      let from = HomoInterpModel.checkpointPaths(checkpoint), to = HomoInterpModel.checkpointPaths(target)
      for (source, destination) in [(from.weights, to.weights), (from.metadata, to.metadata)] {
        let temporary = destination.deletingLastPathComponent().appendingPathComponent("." + destination.lastPathComponent + ".tmp")
        try? fm.removeItem(at: temporary)
        try fm.copyItem(at: source, to: temporary)
        // rename(2) replaces an older snapshot of the step (a rerun) in one move.
        guard rename(temporary.path, destination.path) == 0 else {
          throw HomoInterpError.badCheckpoint(file: destination.path, message: "could not rename \(temporary.lastPathComponent) into place")
        }
      }
    } catch {
      throw HomoInterpError.badCheckpoint(file: target.path, message: "keeping the snapshot of step \(step): \(error.localizedDescription)")
    }
  }
}
