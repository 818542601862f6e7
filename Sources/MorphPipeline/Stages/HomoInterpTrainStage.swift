import Crypto
import Foundation
import MorphCatalog
import MorphModels

/// `homointerp.train`: trains a HomoInterp model on the face set an `ingest` stage read (a
/// synthetic set, or a CelebA-style one: see `HomoInterpData`), with `HomoInterpTrainer`, phase
/// by phase: the recipe's `phases:` list (`HomoInterpPhases`), or without one the classifier
/// phase, reconstruction warm-up, the full objective and an optional decoder polish. The trainer draws its own jittered batches from the set's files (the imaging
/// library's `Jitter`, `HomoInterpData.defaultJitter`); every step's losses become metrics of
/// the run (`train.<loss>`, with the step), and checkpoints are written every
/// `checkpoint_every` steps and at the end. The result is cached: a finished run with the same
/// data and parameters is not repeated while its checkpoint is intact.
enum HomoInterpTrainStage {
  @Sendable static func nonNegative(_ value: ParameterValue) -> String? {
    guard let v = value.doubleValue, v >= 0 else { return "must be ≥ 0, got \(value)" }
    return nil
  }

  static func atLeast(_ minimum: Int) -> @Sendable (ParameterValue) -> String? {
    { value in (value.intValue ?? Int.min) >= minimum ? nil : "must be at least \(minimum), got \(value)" }
  }

  /// λ parameters and the options field each sets.
  static let lambdas: [(name: String, summary: String, keyPath: WritableKeyPath<HomoInterpLossWeights, Float>, value: Double)] = [
    ("lambda_rec", "λ reconstruction.", \.reconstruction, 1),
    ("lambda_perceptual", "λ perceptual (teacher features).", \.perceptual, 1),
    ("lambda_projection", "λ projection (knowledge guidance).", \.projection, 1),
    ("lambda_gp", "λ gradient penalty.", \.gradientPenalty, 100),
    ("lambda_critic_attribute", "λ critic attribute heads on real latents.", \.criticAttribute, 1),
    ("lambda_adversarial", "λ adversarial (interpolator).", \.adversarial, 1),
    ("lambda_attribute", "λ attribute of interpolated latents.", \.attribute, 1),
    ("lambda_all", "λ interpolate-all.", \.interpolateAll, 1),
    ("lambda_pixel", "λ pixel attribute (classifier on decoded edits; 0 = off).", \.pixelAttribute, 1),
    ("lambda_recon_attribute", "λ reconstruction attribute (classifier on reconstructions; 0 = off).", \.reconstructionAttribute, 0),
    ("lambda_recon_gradient", "λ reconstruction gradient (finite differences of the reconstruction error; 0 = off).", \.reconstructionGradient, 0),
    ("lambda_polish_edit", "λ polish edit (classifier on decoded edits during the decoder polish; 0 = off).", \.polishEdit, 0),
  ]

  static let descriptor = StageDescriptor(
    name: "homointerp.train",
    summary: "Train a HomoInterp model on the face set an ingest stage read (synthetic or CelebA); losses become run metrics.",
    shape: .reduce, input: .records, output: .records,
    parameters: [
      ParameterSpec("checkpoint", .path, "Checkpoint to write (`<name>.safetensors` + `<name>.json`)."),
      ParameterSpec("steps", .int, default: .int(10_000), "Total steps over all phases (with `phases`, their sum instead).", check: atLeast(1)),
      ParameterSpec(
        "phases", .list, default: .list([]), HomoInterpPhases.summary,
        checkList: { records, values in
          guard !records.isEmpty else { return nil }
          do { _ = try HomoInterpPhases.resolve(records, base: baseOptions(values)) } catch let problem as ListProblem {
            return problem
          } catch { return ListProblem(index: 0, "\(error)") }
          return nil
        }),
      ParameterSpec("batch", .int, default: .int(16), "Batch size.", check: atLeast(1)),
      ParameterSpec("size", .int, default: .int(64), "Image side in pixels.", check: atLeast(8)),
      ParameterSpec(
        "width", .double, default: .double(0.25), "Channel width multiplier (1 = VGG19).",
        check: { v in (v.doubleValue ?? 0) > 0 && (v.doubleValue ?? 0) <= 4 ? nil : "must be within (0, 4]" }),
      ParameterSpec("poolings", .int, default: .int(3), "Encoder poolings (latent side = size >> poolings).",
        check: { v in (1...4).contains(v.intValue ?? 0) ? nil : "must be within 1…4" }),
      ParameterSpec(
        "decoder_min_channels", .int, default: .int(0),
        "Fewest channels of any decoder convolution (0 = none; with init_from, the checkpoint's, and a larger value widens its decoder keeping what it computes).",
        check: { v in (0...1024).contains(v.intValue ?? -1) ? nil : "must be within 0…1024" }),
      ParameterSpec(
        "interpolator_global", .bool, default: .bool(false),
        "Give each interpolator branch a term pooled over the whole latent (false = none, as the reference; with init_from, false keeps the checkpoint's and true adds it with zero weights)."),
      ParameterSpec(
        "freeze_autoencoder", .bool, default: .bool(false),
        "Full steps train only the critic and the interpolator: encoder, decoder and projection (and so the reconstructions) stay as they are."),
      ParameterSpec("groups", .string, default: .string(""), "Attribute groups to train, comma-separated (empty = the nine defaults)."),
      ParameterSpec("seed", .int, default: .int(1), "Seed for weights, batches and strengths.", check: atLeast(0)),
      ParameterSpec("lr", .double, default: .double(2e-4), "Adam learning rate.", check: { v in (v.doubleValue ?? 0) > 0 ? nil : "must be > 0" }),
      ParameterSpec("n_critic", .int, default: .int(5), "Interpolator steps once every N critic steps.", check: atLeast(1)),
      ParameterSpec("classifier_steps", .int, default: .int(1_500), "Attribute-classifier steps first.", check: atLeast(0)),
      ParameterSpec(
        "classifier_grid", .int, default: .int(0),
        "Cells per side of the classifier's pooling grid (0 = 4, 2 or 1, whichever divides the latent side).", check: atLeast(0)),
      ParameterSpec(
        "classifier_seed", .int, default: .int(-1), "Seed of the attribute classifier's weights (-1 = the run's seed).", check: atLeast(-1)),
      ParameterSpec(
        "refresh_classifier_every", .int, default: .int(0),
        "Every K full steps, start the attribute classifier afresh from a new seed and retrain it classifier_steps before going on (0 = never).",
        check: atLeast(0)),
      ParameterSpec(
        "classifier_mixup", .double, default: .double(0),
        "Chance that a face the attribute classifier trains on is blended with another, labelled with the same blend (0 = never).",
        check: { v in (0...1).contains(v.doubleValue ?? -1) ? nil : "must be a chance in 0...1, got \(v)" }),
      ParameterSpec("warmup", .int, default: .int(2_000), "Reconstruction warm-up steps after the classifier.", check: atLeast(0)),
      ParameterSpec("teacher", .string, default: .string(""), "VGG19 safetensors (torchvision keys) as teacher; empty = the trained classifier."),
      ParameterSpec(
        "decoder_losses", .string, default: .string(""), "Interpolator losses that also train the decoder: pixel (default none).",
        check: { v in
          let bad = HomoInterpParameters.nameList(v.stringValue ?? "").filter { $0 != "pixel" }
          return bad.isEmpty ? nil : "unknown `\(bad[0])` (known: pixel)"
        }),
      ParameterSpec(
        "encoder_losses", .string, default: .string(""), "Interpolator losses that also train the encoder: edits, all.",
        check: { v in
          let bad = HomoInterpParameters.nameList(v.stringValue ?? "").filter { !["edits", "all"].contains($0) }
          return bad.isEmpty ? nil : "unknown `\(bad[0])` (known: edits, all)"
        }),
      ParameterSpec(
        "single_group", .double, default: .double(0.5), "Chance a training sample edits only one group.",
        check: { v in (0...1).contains(v.doubleValue ?? -1) ? nil : "must be within 0…1" }),
      ParameterSpec(
        "full_strength", .double, default: .double(0), "Chance a drawn edit strength is exactly 1 instead of uniform in [0, 1].",
        check: { v in (0...1).contains(v.doubleValue ?? -1) ? nil : "must be within 0…1" }),
      ParameterSpec(
        "decoder_polish", .int, default: .int(0),
        "The run's last N steps train the decoder alone (encoder, interpolator and critic fixed, so edits stay as trained) on the reconstruction losses, at a rate falling along a cosine to 0; 0 = none.",
        check: atLeast(0)),
      ParameterSpec(
        "decoder_polish_lr", .double, default: .double(0), "Starting learning rate of the decoder polish (0 = `lr`).",
        check: nonNegative),
      ParameterSpec(
        "init_from", .string, default: .string(""),
        "Checkpoint whose weights a new run starts from instead of He init (size, width, poolings must match it; optimisers and classifier start afresh; usually with warmup 0)."),
      ParameterSpec("jitter", .bool, default: .bool(true), "Jitter training faces (small shifts, zoom and rotation)."),
      ParameterSpec("checkpoint_every", .int, default: .int(500), "Write the checkpoint every K steps (and at the end).", check: atLeast(1)),
      ParameterSpec(
        "keep_every", .int, default: .int(0),
        "Also keep the checkpoint of every K-th step as snapshots/step-N.safetensors beside it (0: never).", check: atLeast(0)),
      ParameterSpec("sample_every", .int, default: .int(500), "Sample sheet (rows = groups, columns = strengths) every K steps; 0 = never.", check: atLeast(0)),
      ParameterSpec("resume", .bool, default: .bool(false), "Continue the checkpoint's run exactly (model, optimisers, step; its options and seed); only `steps` changes."),
      ParameterSpec("log_every", .int, default: .int(50), "Print a progress line (it/s, ETA, losses) to stderr every K steps; 0 = quiet.", check: atLeast(0)),
    ] + lambdas.map { ParameterSpec($0.name, .double, default: .double($0.value), $0.summary, check: nonNegative) },
    retryable: false, concurrency: 1,
    cachedResultIsValid: { SaveStage.outputIsIntact($0) },
    checkParameters: { values in
      // The classifier phase comes first: a run no longer than it never trains the model.
      guard values["phases"]?.listValue?.isEmpty ?? true else { return nil }
      let steps = values["steps"]?.intValue ?? 0, classifier = values["classifier_steps"]?.intValue ?? 0
      guard steps > 0, steps <= classifier else { return nil }
      return "steps (\(steps)) is not more than classifier_steps (\(classifier)): the run would train only the "
        + "attribute classifier and never the model; raise steps or lower classifier_steps"
    }
  ) { context in
    let options = try trainingOptions(context)
    let groups = try trainingGroups(context)
    let minChannels = context.int("decoder_min_channels")
    let config = HomoInterpConfig(
      imageSize: context.int("size"), width: context.double("width"), poolings: context.int("poolings"), groups: groups,
      decoderMinChannels: minChannels > 0 ? minChannels : nil,
      interpolatorGlobal: context.bool("interpolator_global") ? true : nil)
    do { try config.validate() } catch { throw PipelineError.stage(stage: context.stageID, message: "\(error)") }
    let checkpoint = context.url("checkpoint").standardizedFileURL
    let resume = context.bool("resume"), logEvery = context.int("log_every")
    let initialWeights = context.string("init_from").isEmpty ? nil : context.url("init_from")
    if resume && initialWeights != nil {
      throw PipelineError.stage(stage: context.stageID, message: "init_from starts a new run and resume continues the checkpoint's: set one")
    }
    let checkpointEvery = context.int("checkpoint_every"), sampleEvery = context.int("sample_every")
    let keepEvery = context.int("keep_every")
    return .reduce { items in
      let folder = try dataFolder(items, stage: context.stageID)
      let trainer: HomoInterpTrainer
      do {
        if resume, FileManager.default.fileExists(atPath: HomoInterpModel.checkpointPaths(checkpoint).metadata.path) {
          // The set is read with the checkpoint's size, groups, jitter and seed; a phased
          // recipe's phases replace the run's (extend or change the schedule from here on).
          trainer = try HomoInterpTrainer.resume(from: checkpoint, dataDirectory: folder, steps: options.steps) { stored in
            if let phases = options.phases { stored.phases = phases }
          }
        } else {
          let data = try HomoInterpData(
            directory: folder, groups: config.groups, imageSize: config.imageSize,
            jitter: options.jitter ? HomoInterpData.defaultJitter : nil, seed: options.seed)
          if let initialWeights {
            trainer = try HomoInterpTrainer(config: config, data: data, options: options, initialWeights: initialWeights)
          } else {
            trainer = try HomoInterpTrainer(config: config, data: data, options: options)
          }
        }
      } catch {
        throw PipelineError.stage(stage: context.stageID, message: "training on \(folder.path): \(error)")
      }
      let recorder = TrainingMetrics(context: context)
      let start = Date()
      var last: HomoInterpStepReport?
      var warnings: [String] = []
      var progress = TrainingProgress(every: logEvery)
      try trainer.run(
        checkpoint: checkpoint, checkpointEvery: checkpointEvery,
        sampleDirectory: checkpoint.deletingLastPathComponent().appendingPathComponent("samples"), sampleEvery: sampleEvery,
        keepEvery: keepEvery
      ) { report in
        last = report
        recorder.add(report)
        if let warning = report.collapseWarning {
          warnings.append("step \(report.step): \(warning)")
          FileHandle.standardError.write(Data("warning: \(context.stageID) step \(report.step): \(warning)\n".utf8))
        }
        if let line = progress.record(report) {
          FileHandle.standardError.write(Data("train \(line)\n".utf8))
        }
      }
      try recorder.flush()
      var fields: [String: String] = [
        artifactField: checkpoint.path, "sha256": try SHA256.hex(fileAt: checkpoint),
        "steps": String(trainer.step), "teacher": trainer.teacher.description, "data": folder.path,
        "seconds": String(format: "%.1f", Date().timeIntervalSince(start)),
      ]
      for (name, value) in last?.losses ?? [:] { fields["loss.\(name)"] = String(value) }
      if !warnings.isEmpty { fields["warnings"] = warnings.joined(separator: "; ") }
      return .record(fields)
    }
  }

  /// The run's options from the stage's parameters: with `phases`, its phases (each field a
  /// phase leaves out taking the parameter of the same name) and their total as `steps`.
  static func trainingOptions(_ context: StageContext) throws -> HomoInterpTrainingOptions {
    var options = try baseOptions(context.parameters, baseDirectory: context.baseDirectory, stage: context.stageID)
    if let records = context.parameters["phases"]?.listValue, !records.isEmpty {
      do {
        options.phases = try HomoInterpPhases.resolve(records, base: options)
      } catch let problem as ListProblem {
        throw PipelineError.stage(stage: context.stageID, message: "phases, entry \(problem.index + 1): \(problem.message)")
      }
      options.steps = TrainingSchedule(options.phases ?? []).totalSteps
    }
    do { try options.validate() } catch { throw PipelineError.stage(stage: context.stageID, message: "\(error)") }
    return options
  }

  /// The options the stage's scalar parameters give (the defaults of every phase), unvalidated.
  static func baseOptions(
    _ values: [String: ParameterValue], baseDirectory: URL = URL(fileURLWithPath: FileManager.default.currentDirectoryPath),
    stage: String = "homointerp.train"
  ) throws -> HomoInterpTrainingOptions {
    let context = StageContext(stageID: stage, parameters: values, baseDirectory: baseDirectory)
    var options = HomoInterpTrainingOptions()
    options.steps = context.int("steps")
    options.batchSize = context.int("batch")
    options.learningRate = Float(context.double("lr"))
    options.nCritic = context.int("n_critic")
    options.classifierSteps = context.int("classifier_steps")
    options.warmupSteps = context.int("warmup")
    let grid = context.int("classifier_grid")
    options.classifierGrid =
      grid > 0 ? grid : HomoInterpTrainingOptions.defaultClassifierGrid(latentSide: context.int("size") >> context.int("poolings"))
    options.seed = UInt64(max(0, context.int("seed")))
    let classifierSeed = context.int("classifier_seed")
    options.classifierSeed = classifierSeed >= 0 ? UInt64(classifierSeed) : nil
    let refresh = context.int("refresh_classifier_every")
    options.classifierRefreshEvery = refresh > 0 ? refresh : nil
    let mixup = context.double("classifier_mixup")
    options.classifierMixup = mixup > 0 ? mixup : nil
    options.singleGroupProbability = context.double("single_group")
    options.fullStrengthProbability = context.double("full_strength")
    let polish = context.int("decoder_polish")
    options.decoderPolishSteps = polish > 0 ? polish : nil
    let polishRate = context.double("decoder_polish_lr")
    options.decoderPolishLearningRate = polishRate > 0 ? Float(polishRate) : nil
    options.autoencoderFrozen = context.bool("freeze_autoencoder")
    options.jitter = context.bool("jitter")
    if !context.string("teacher").isEmpty { options.teacherVGG19 = context.url("teacher").path }
    for lambda in lambdas { options.weights[keyPath: lambda.keyPath] = Float(context.double(lambda.name)) }
    options.pixelAttributeReachesDecoder = HomoInterpParameters.nameList(context.string("decoder_losses")).contains("pixel")
    for item in HomoInterpParameters.nameList(context.string("encoder_losses")) {
      if item == "edits" { options.editLossesReachEncoder = true }
      if item == "all" { options.interpolateAllReachesEncoder = true }
    }
    return options
  }

  /// The default groups named in `groups` (all nine when empty).
  static func trainingGroups(_ context: StageContext) throws -> [AttributeGroup] {
    let names = HomoInterpParameters.nameList(context.string("groups"))
    let all = AttributeGroup.defaultGroups
    guard !names.isEmpty else { return all }
    return try names.map { name in
      guard let group = all.first(where: { $0.name == name }) else {
        throw PipelineError.stage(
          stage: context.stageID, message: "groups: no attribute group `\(name)`" + Suggest.hint(name, among: all.map(\.name)))
      }
      return group
    }
  }

  /// The face set folder: the origin of the (one) dataset record an ingest stage produced.
  static func dataFolder(_ items: [Item], stage: String) throws -> URL {
    let folders = Set(items.compactMap { $0.origin?.standardizedFileURL })
    guard folders.count == 1, let folder = folders.first else {
      throw PipelineError.stage(
        stage: stage,
        message: folders.isEmpty
          ? "the input names no dataset folder (feed it from an `ingest` stage)"
          : "train on one face set at a time, got \(folders.map(\.path).sorted().joined(separator: ", "))")
    }
    return folder
  }
}

/// Buffers per-step losses and writes them to the catalog as metrics in chunks of 500.
final class TrainingMetrics {
  let context: StageContext
  var pending: [MetricRecord] = []
  /// A failed write, reported by the final `flush` (steps go on meanwhile).
  var failure: Error?

  init(context: StageContext) { self.context = context }

  func add(_ report: HomoInterpStepReport) {
    guard let runID = context.runID else { return }
    for (name, value) in report.losses where value.isFinite {
      pending.append(MetricRecord(runID: runID, name: "train.\(name)", value: Double(value), stage: context.stageID, step: report.step))
    }
    if let spread = report.latentSpread, spread.isFinite {
      pending.append(MetricRecord(runID: runID, name: "train.latent_spread", value: Double(spread), stage: context.stageID, step: report.step))
    }
    pending.append(MetricRecord(runID: runID, name: "train.step_seconds", value: report.seconds, stage: context.stageID, step: report.step))
    if pending.count >= 500 {
      do { try write() } catch { failure = failure ?? error }
    }
  }

  /// Writes what is pending; throws the first write error of the run.
  func flush() throws {
    try write()
    if let failure { throw PipelineError.stage(stage: context.stageID, message: "recording losses: \(failure)") }
  }

  private func write() throws {
    guard !pending.isEmpty else { return }
    try context.catalog?.recordMetrics(pending)
    pending.removeAll()
  }
}
