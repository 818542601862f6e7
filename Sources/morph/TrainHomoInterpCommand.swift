import ArgumentParser
import Foundation
import MorphDistributed
import MorphModels

/// `morph train homointerp`: trains the HomoInterp model on a labelled face set.
struct TrainHomoInterpCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "homointerp",
    abstract: "Train the HomoInterp model (encoder, interpolator, decoder, critic) on a labelled face set.",
    discussion: """
      Phases: --classifier-steps of the attribute classifier (the teacher when no --teacher VGG19 \
      is given, and the judge of the pixel-attribute loss), --warmup steps of reconstruction, then \
      the full objective (critic with WGAN-GP every step, interpolator every --n-critic steps). \
      Writes OUT/homointerp.safetensors + .json every --checkpoint-every steps and at the end, and \
      OUT/samples/step-N.png every --sample-every steps. --resume continues OUT's checkpoint exactly.

      Started by Open MPI's mpirun (mpirun -np N morph train homointerp …), each rank trains its \
      own part of every batch of --batch faces and gradients are averaged over the ranks; rank 0 \
      writes OUT (docs/scale-out-mpi.md).
      """)

  @Option(
    help: "Face set: synthetic (written by 'morph fixtures toyfaces') or CelebA-style (img_align_celeba/ + list_attr_celeba.txt)."
  ) var data: String
  @Option(help: "Output directory for checkpoints and samples.") var out: String
  @Option(help: "Total steps over all phases (default 10000; with --resume, the checkpoint's unless given).") var steps: Int?
  @Option(help: "Batch size (over all ranks of an MPI run).") var batch: Int = 16
  @Option(
    help: "Cut each process's share of a batch into this many micro-batches whose gradients are averaged before each update (default 1; with --resume, the run's). A batch of 8 in 2 micro-batches trains as 2 MPI ranks of 4 faces would."
  ) var microBatches: Int?
  @Option(help: "Image side in pixels (default 64; with --init-from the checkpoint's).") var size: Int?
  @Option(help: "Channel width multiplier, 1 = VGG19 (default 0.25; with --init-from the checkpoint's).") var width: Double?
  @Option(help: "Encoder poolings, latent side = size >> poolings (default 3; with --init-from the checkpoint's).") var poolings: Int?
  @Option(
    help: "Fewest channels of any decoder convolution (default: none, the reference's scaled by --width; with --init-from the checkpoint's). Larger than the checkpoint's, its decoder is widened keeping what it computes."
  ) var decoderMinChannels: Int?
  @Option(
    help: "Dilations of the interpolator branches' three 3×3 convolutions, e.g. 1,2,4 (default 1,1,1 as the reference; with --init-from the checkpoint's). Wider dilations let a branch see more of a small-cell latent; the weights keep their shapes."
  ) var interpolatorDilations: String?
  @Flag(
    help: "Let each interpolator branch see the source latent beside the reference − source difference (default: the difference alone, as the reference). With --init-from, the checkpoint's branches gain zero weights for it, so the run starts from what the checkpoint computes."
  ) var interpolatorContext = false
  @Flag(
    help: "Give each interpolator branch a term pooled over the whole latent: a 1×1 convolution of the mean of its first layer's features, added at every cell (default: none, as the reference). With --init-from, the checkpoint's branches gain it with zero weights, so the run starts from what the checkpoint computes."
  ) var interpolatorGlobal = false
  @Flag(
    inversion: .prefixedNo,
    help: "Full steps train only the critic and the interpolator: the encoder, decoder and projection stay as they are, and so do the reconstructions (default: off; with --resume, the run's)."
  ) var freezeAutoencoder: Bool?
  @Flag(help: "Continue from OUT/homointerp.safetensors.") var resume = false
  @Option(
    help: "Start a new run from this checkpoint's weights (a training or an exported one, e.g. Fixtures/models/homointerp-demo.safetensors) instead of He init; optimisers and the classifier start afresh. --size, --width and --poolings default to its own."
  ) var initFrom: String?
  @Option(help: "Checkpoint every K steps (default 500; with --resume, the run's).") var checkpointEvery: Int?
  @Option(help: "Sample sheet every K steps, 0: never (default 500; with --resume, the run's).") var sampleEvery: Int?
  @Option(
    help: "Also keep the checkpoint of every K-th step as OUT/snapshots/step-N.safetensors, to average or take branches from later (default 0: never; with --resume, the run's)."
  ) var keepEvery: Int?
  @Option(help: "Print a progress line every K steps (default 10; with --resume, the run's).") var logEvery: Int?
  @Option(help: "Seed for weights, batches and strengths.") var seed: UInt64 = 1
  @Option(help: "Adam learning rate (default 2e-4).") var lr: Float?
  @Option(help: "Interpolator steps once every N critic steps (default 5).") var nCritic: Int?
  @Option(help: "Attribute-classifier steps before anything else.") var classifierSteps: Int = 1_500
  @Option(help: "Cells per side of the classifier's pooling grid (default: 4, or the largest of 2 and 1 dividing the latent side).")
  var classifierGrid: Int?
  @Option(
    help: "With --resume: start the attribute classifier afresh and train it this many steps before continuing (the encoder, decoder, interpolator and critic are kept)."
  ) var retrainClassifier: Int = 0
  @Option(
    help: "Seed of the attribute classifier's weights and retraining batches (default: --seed; with --resume, the run's). With --retrain-classifier, another seed trains a different judge."
  ) var classifierSeed: UInt64?
  @Option(
    help: "Every K full steps, start the attribute classifier afresh from a new seed and retrain it (--retrain-classifier's steps, else --classifier-steps) before going on, so the pixel-attribute judge cannot be learned (default 0: never; with --resume, the run's)."
  ) var refreshClassifierEvery: Int?
  @Option(
    help: "Chance that a face the attribute classifier trains on is blended with another, labelled with the same blend (mixup), so the judge reads part-way edits by their share (default 0; with --resume, the run's)."
  ) var classifierMixup: Double?
  @Option(help: "Reconstruction warm-up steps after the classifier (default 2000; with --init-from 0).") var warmup: Int?
  @Option(help: "Learning rate of the warm-up phase (default: --lr).") var warmupLr: Float?
  @Option(help: "VGG19 safetensors with torchvision keys (features.0.weight …) as teacher.") var teacher: String?
  @Option(help: "λ reconstruction (default 1).") var lambdaRec: Float?
  @Option(help: "λ perceptual, teacher features (default 1).") var lambdaPerceptual: Float?
  @Option(help: "λ projection, knowledge guidance (default 1).") var lambdaProjection: Float?
  @Option(help: "λ gradient penalty (default 100).") var lambdaGp: Float?
  @Option(help: "λ critic attribute heads on real latents (default 1).") var lambdaCriticAttribute: Float?
  @Option(help: "λ adversarial, interpolator (default 1).") var lambdaAdversarial: Float?
  @Option(help: "λ attribute of interpolated latents (default 1).") var lambdaAttribute: Float?
  @Option(help: "λ interpolate-all (default 1).") var lambdaAll: Float?
  @Option(help: "λ pixel attribute, classifier on decoded edits; 0 = off (default 1).") var lambdaPixel: Float?
  @Option(help: "λ reconstruction attribute, classifier on reconstructions vs the face's labels; 0 = off (default 0).")
  var lambdaReconAttribute: Float?
  @Option(help: "λ reconstruction gradient, MSE of the reconstruction error's finite differences (edges, fine lines); 0 = off (default 0).")
  var lambdaReconGradient: Float?
  @Option(help: "λ polish edit, during --decoder-polish: the classifier on decoded edits of the fixed interpolator; 0 = off (default 0).")
  var lambdaPolishEdit: Float?
  @Option(help: "Comma-separated interpolator losses that also train the encoder: edits, all.") var encoderLosses: String = ""
  @Option(
    help: "Whether the pixel-attribute loss also trains the decoder: pixel (yes) or none (new runs: none; with --resume, the checkpoint's unless given)."
  ) var decoderLosses: String?
  @Option(help: "Chance a training batch edits only one group (default 0.5).") var singleGroup: Double?
  @Option(help: "Chance a drawn edit strength is exactly 1 instead of uniform in [0, 1] (default 0).") var fullStrength: Double?
  @Option(help: "Relative latent spread under which a collapse is reported (default 0.1).") var collapseThreshold: Float?
  @Option(
    help: "How often each group is the one a single-group batch edits, e.g. hair_color=3,skin=2 (unnamed groups weigh 1; default: all alike; '' clears it on --resume)."
  ) var groupWeights: String?
  @Option(
    help: "The run's last N steps polish the decoder alone: encoder, interpolator and critic fixed (edits unchanged), reconstruction losses only, learning rate falling along a cosine to 0 (default 0: none)."
  ) var decoderPolish: Int?
  @Option(help: "Starting learning rate of the decoder polish (default: --lr).") var decoderPolishLr: Float?
  @Flag(help: "Train without geometric jitter.") var noJitter = false

  func validate() throws {
    if let microBatches, microBatches < 1 { throw ValidationError("--micro-batches must be ≥ 1, got \(microBatches)") }
    if let decoderLosses, !["pixel", "none"].contains(decoderLosses) {
      throw ValidationError("--decoder-losses: '\(decoderLosses)' (known: pixel, none)")
    }
    if let decoderPolish, decoderPolish < 0 { throw ValidationError("--decoder-polish must be ≥ 0, got \(decoderPolish)") }
    if let decoderPolishLr, !(decoderPolishLr > 0) { throw ValidationError("--decoder-polish-lr must be > 0, got \(decoderPolishLr)") }
    guard retrainClassifier >= 0 else { throw ValidationError("--retrain-classifier must be ≥ 0") }
    if let keepEvery, keepEvery < 0 { throw ValidationError("--keep-every must be ≥ 0 (0: never), got \(keepEvery)") }
    if let classifierMixup, !(0...1).contains(classifierMixup) {
      throw ValidationError("--classifier-mixup is a chance in 0...1, got \(classifierMixup)")
    }
    if let refreshClassifierEvery, refreshClassifierEvery < 0 {
      throw ValidationError("--refresh-classifier-every must be ≥ 0 (0: never), got \(refreshClassifierEvery)")
    }
    if retrainClassifier > 0 && !resume { throw ValidationError("--retrain-classifier only applies with --resume") }
    if resume && initFrom != nil { throw ValidationError("--init-from starts a new run; --resume continues OUT's: give one") }
    if resume && decoderMinChannels != nil { throw ValidationError("--decoder-min-channels fixes a new run's decoder; --resume keeps the checkpoint's") }
    if resume && interpolatorDilations != nil {
      throw ValidationError("--interpolator-dilations fixes a new run's interpolator; --resume keeps the checkpoint's")
    }
    if resume && interpolatorContext {
      throw ValidationError("--interpolator-context fixes a new run's interpolator; --resume keeps the checkpoint's")
    }
    if resume && interpolatorGlobal {
      throw ValidationError("--interpolator-global fixes a new run's interpolator; --resume keeps the checkpoint's")
    }
    _ = try parsedDilations()
    if let groupWeights {
      do { _ = try HomoInterpTrainingOptions.parseGroupWeights(groupWeights) } catch HomoInterpError.badTraining(let message) {
        throw ValidationError("--group-weights" + message.dropFirst("group weights".count))
      }
    }
    if resume && classifierGrid != nil && retrainClassifier == 0 {
      throw ValidationError("--classifier-grid with --resume needs --retrain-classifier N: the saved classifier has its own grid")
    }
  }

  /// `--interpolator-dilations` as three integers, or nil when not given.
  func parsedDilations() throws -> [Int]? {
    guard let interpolatorDilations else { return nil }
    guard let d = HomoInterpConfig.parseInterpolatorDilations(interpolatorDilations), !d.isEmpty else {
      throw ValidationError("--interpolator-dilations: '\(interpolatorDilations)' must be three integers in 1…16, e.g. 1,2,4")
    }
    return d
  }

  func run() throws {
    guard let mpi = try MPIGroup.fromLauncher() else { return try train(mpi: nil) }
    // Only rank 0 reports; every rank's errors still reach stderr.
    if mpi.rank != 0 { _ = freopen("/dev/null", "w", stdout) }
    do {
      try train(mpi: mpi)
      try mpi.finalize()
    } catch {
      guard mpi.size > 1 else { throw error }
      // The other ranks would wait for this one in their next all-reduce: end the job.
      FileHandle.standardError.write(Data("error: rank \(mpi.rank) of \(mpi.size): \(error)\n".utf8))
      mpi.abort(code: 1)
    }
  }

  /// The run, as one process or as rank `mpi.rank` of an MPI job.
  func train(mpi: MPIGroup?) throws {
    // A run seeded by a checkpoint builds that checkpoint's architecture unless told otherwise
    // (a different one is then refused by the trainer, naming the file).
    let seedConfig = try initFrom.map { try HomoInterpModel.readInfo(HomoInterpModel.checkpointPaths(URL(fileURLWithPath: $0)).metadata).config }
    let size = size ?? seedConfig?.imageSize ?? 64
    let width = width ?? seedConfig?.width ?? 0.25
    let poolings = poolings ?? seedConfig?.poolings ?? 3
    let outURL = URL(fileURLWithPath: out)
    let checkpoint = outURL.appendingPathComponent("homointerp.safetensors")
    var options = HomoInterpTrainingOptions()
    options.steps = steps ?? 10_000
    options.batchSize = batch
    options.classifierSteps = classifierSteps
    options.warmupSteps = warmup ?? (initFrom == nil ? 2_000 : 0)
    options.classifierGrid = classifierGrid ?? HomoInterpTrainingOptions.defaultClassifierGrid(latentSide: size >> poolings)
    options.warmupLearningRate = warmupLr
    options.teacherVGG19 = teacher
    options.seed = seed
    options.jitter = !noJitter
    adjust(&options)
    for item in encoderLosses.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
      switch item {
      case "edits": options.editLossesReachEncoder = true
      case "all": options.interpolateAllReachesEncoder = true
      default: throw ValidationError("--encoder-losses: unknown '\(item)' (known: edits, all)")
      }
    }
    let config = HomoInterpConfig(
      imageSize: size, width: width, poolings: poolings, groups: AttributeGroup.defaultGroups,
      decoderMinChannels: decoderMinChannels, interpolatorDilations: try parsedDilations(),
      interpolatorContext: interpolatorContext ? true : nil, interpolatorGlobal: interpolatorGlobal ? true : nil)
    try config.validate()
    let trainer: HomoInterpTrainer
    if resume {
      trainer = try HomoInterpTrainer.resume(
        from: checkpoint, dataDirectory: URL(fileURLWithPath: data), steps: steps, retrainClassifier: retrainClassifier
      ) {
        adjust(&$0)
        if let classifierGrid { $0.classifierGrid = classifierGrid }
      }
      print("resumed \(checkpoint.path) at step \(trainer.step) of \(trainer.options.steps) (options, seed and weights from the checkpoint)")
    } else {
      let faces = try HomoInterpData(
        directory: URL(fileURLWithPath: data), groups: config.groups, imageSize: size,
        jitter: options.jitter ? HomoInterpData.defaultJitter : nil, seed: seed)
      if let initFrom {
        trainer = try HomoInterpTrainer(config: config, data: faces, options: options, initialWeights: URL(fileURLWithPath: initFrom))
        print("new run from the weights of \(initFrom) (step \(trainer.options.initialWeightsStep ?? 0)); optimisers and classifier start afresh")
      } else {
        trainer = try HomoInterpTrainer(config: config, data: faces, options: options)
      }
    }
    if let mpi {
      try trainer.joinDataParallel(mpi)
      let parts = trainer.partsPerStep
      print(
        "data-parallel: \(mpi.size) MPI ranks × \(trainer.options.microBatches ?? 1) micro-batches of \(trainer.options.batchSize / parts) faces; rank 0 writes \(outURL.path)")
    }
    let m = trainer.model
    print(
      "model: \(m.config.imageSize) px, width \(m.config.width), \(m.config.poolings) poolings → latent \(m.config.latentChannels)×\(m.config.latentSide)×\(m.config.latentSide), "
        + m.config.decoderFloorSummary + m.config.interpolatorDilationSummary + m.config.interpolatorContextSummary
        + "\(m.parameterCount) parameters, \(m.config.groups.count) groups; teacher: \(trainer.teacher.description); "
        + "\(trainer.data.records.count) training faces")
    fflush(stdout)
    // A resumed run keeps the intervals it was started with unless told otherwise.
    let recorded = resume ? try HomoInterpModel.readInfo(HomoInterpModel.checkpointPaths(checkpoint).metadata).metadata : [:]
    func interval(_ given: Int?, _ key: String, _ fallback: Int) -> Int { given ?? recorded[key].flatMap { Int($0) } ?? fallback }
    let checkpointEvery = interval(self.checkpointEvery, "checkpoint_every", 500)
    let sampleEvery = interval(self.sampleEvery, "sample_every", 500)
    let logEvery = interval(self.logEvery, "log_every", 10)
    let keepEvery = interval(self.keepEvery, "keep_every", 0)
    let ranks = String(mpi?.size ?? 1)
    if resume, let recordedRanks = recorded["data_parallel_ranks"] ?? Optional("1"), recordedRanks != ranks {
      print(
        "note: the checkpoint was trained by \(recordedRanks) MPI rank(s), this run has \(ranks): batches are cut differently from here on, so the run goes on but not as the uninterrupted one would")
    }
    if resume {
      print(
        "intervals: checkpoint every \(checkpointEvery), sample sheet every \(sampleEvery), progress every \(logEvery) steps"
          + (keepEvery > 0 ? ", snapshot kept every \(keepEvery)" : ""))
    }
    let start = Date()
    let first = trainer.step
    var progress = TrainingProgress(every: max(1, logEvery))
    try trainer.run(
      checkpoint: checkpoint, checkpointEvery: checkpointEvery, sampleDirectory: outURL.appendingPathComponent("samples"),
      sampleEvery: sampleEvery, keepEvery: keepEvery, extraMetadata: ["log_every": String(logEvery), "data_parallel_ranks": ranks]
    ) { report in
      if let warning = report.collapseWarning { print("WARNING step \(report.step): \(warning)") }
      guard let line = progress.record(report) else { return }
      print(line)
      fflush(stdout)
    }
    print(
      String(
        format: "trained %d steps in %@; checkpoint %@", trainer.step - first, TrainingProgress.duration(Date().timeIntervalSince(start)),
        checkpoint.path))
    if let mpi, trainer.step > first {
      // What the scaling estimate of docs/scale-out-mpi.md is computed from.
      let steps = Double(trainer.step - first)
      print(
        String(
          format: "mpi: %d all-reduces, %.2f MB per step (%.1f calls), %.3f s per step inside them (waiting for other ranks included)",
          mpi.allReduceCalls, Double(mpi.allReducedFloats * 4) / steps / 1e6, Double(mpi.allReduceCalls) / steps, mpi.allReduceSeconds / steps))
    }
  }

  /// Applies the training-dynamics options given on the command line (learning rate, nCritic,
  /// loss weights, single-group chance, collapse threshold, classifier seed and refresh): on a new run over the defaults,
  /// with --resume over the checkpoint's values (adjusting a run that does not edit).
  func adjust(_ o: inout HomoInterpTrainingOptions) {
    if let decoderLosses { o.pixelAttributeReachesDecoder = decoderLosses == "pixel" }
    if let lr { o.learningRate = lr }
    if let microBatches { o.microBatches = microBatches == 1 ? nil : microBatches }
    if let nCritic { o.nCritic = nCritic }
    if let singleGroup { o.singleGroupProbability = singleGroup }
    if let fullStrength { o.fullStrengthProbability = fullStrength }
    // Checked by validate(), so the text parses.
    if let groupWeights { o.groupWeights = (try? HomoInterpTrainingOptions.parseGroupWeights(groupWeights)) ?? nil }
    if let collapseThreshold { o.collapseThreshold = collapseThreshold }
    if let decoderPolish { o.decoderPolishSteps = decoderPolish }
    if let decoderPolishLr { o.decoderPolishLearningRate = decoderPolishLr }
    if let freezeAutoencoder { o.autoencoderFrozen = freezeAutoencoder }
    if let classifierSeed { o.classifierSeed = classifierSeed }
    if let classifierMixup { o.classifierMixup = classifierMixup > 0 ? classifierMixup : nil }
    if let refreshClassifierEvery { o.classifierRefreshEvery = refreshClassifierEvery > 0 ? refreshClassifierEvery : nil }
    if let lambdaRec { o.weights.reconstruction = lambdaRec }
    if let lambdaPerceptual { o.weights.perceptual = lambdaPerceptual }
    if let lambdaProjection { o.weights.projection = lambdaProjection }
    if let lambdaGp { o.weights.gradientPenalty = lambdaGp }
    if let lambdaCriticAttribute { o.weights.criticAttribute = lambdaCriticAttribute }
    if let lambdaAdversarial { o.weights.adversarial = lambdaAdversarial }
    if let lambdaAttribute { o.weights.attribute = lambdaAttribute }
    if let lambdaAll { o.weights.interpolateAll = lambdaAll }
    if let lambdaPixel { o.weights.pixelAttribute = lambdaPixel }
    if let lambdaReconAttribute { o.weights.reconstructionAttribute = lambdaReconAttribute }
    if let lambdaReconGradient { o.weights.reconstructionGradient = lambdaReconGradient }
    if let lambdaPolishEdit { o.weights.polishEdit = lambdaPolishEdit }
  }
}
