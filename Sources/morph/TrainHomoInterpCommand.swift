import ArgumentParser
import Foundation
import MorphModels

/// `morph train homointerp`: trains the HomoInterp model on a synthetic face set.
struct TrainHomoInterpCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "homointerp",
    abstract: "Train the HomoInterp model (encoder, interpolator, decoder, critic) on a synthetic face set.",
    discussion: """
      Phases: --classifier-steps of the attribute classifier (the teacher when no --teacher VGG19 \
      is given, and the judge of the pixel-attribute loss), --warmup steps of reconstruction, then \
      the full objective (critic with WGAN-GP every step, interpolator every --n-critic steps). \
      Writes OUT/homointerp.safetensors + .json every --checkpoint-every steps and at the end, and \
      OUT/samples/step-N.png every --sample-every steps. --resume continues OUT's checkpoint exactly.
      """)

  @Option(help: "Synthetic face set (written by 'morph fixtures toyfaces').") var data: String
  @Option(help: "Output directory for checkpoints and samples.") var out: String
  @Option(help: "Total steps over all phases (default 10000; with --resume, the checkpoint's unless given).") var steps: Int?
  @Option(help: "Batch size.") var batch: Int = 16
  @Option(help: "Image side in pixels.") var size: Int = 64
  @Option(help: "Channel width multiplier (1 = VGG19).") var width: Double = 0.25
  @Option(help: "Encoder poolings (latent side = size >> poolings).") var poolings: Int = 3
  @Flag(help: "Continue from OUT/homointerp.safetensors.") var resume = false
  @Option(help: "Checkpoint every K steps.") var checkpointEvery: Int = 500
  @Option(help: "Sample sheet every K steps (0: never).") var sampleEvery: Int = 500
  @Option(help: "Print a progress line every K steps.") var logEvery: Int = 10
  @Option(help: "Seed for weights, batches and strengths.") var seed: UInt64 = 1
  @Option(help: "Adam learning rate.") var lr: Float = 2e-4
  @Option(help: "Interpolator steps once every N critic steps.") var nCritic: Int = 5
  @Option(help: "Attribute-classifier steps before anything else.") var classifierSteps: Int = 1_500
  @Option(help: "Reconstruction warm-up steps after the classifier.") var warmup: Int = 2_000
  @Option(help: "Learning rate of the warm-up phase (default: --lr).") var warmupLr: Float?
  @Option(help: "VGG19 safetensors with torchvision keys (features.0.weight …) as teacher.") var teacher: String?
  @Option(help: "λ reconstruction.") var lambdaRec: Float = 1
  @Option(help: "λ perceptual (teacher features).") var lambdaPerceptual: Float = 1
  @Option(help: "λ projection (knowledge guidance).") var lambdaProjection: Float = 1
  @Option(help: "λ gradient penalty.") var lambdaGp: Float = 100
  @Option(help: "λ critic attribute heads on real latents.") var lambdaCriticAttribute: Float = 1
  @Option(help: "λ adversarial (interpolator).") var lambdaAdversarial: Float = 1
  @Option(help: "λ attribute of interpolated latents.") var lambdaAttribute: Float = 1
  @Option(help: "λ interpolate-all.") var lambdaAll: Float = 1
  @Option(help: "λ pixel attribute (classifier on decoded edits; 0 = off).") var lambdaPixel: Float = 1
  @Option(help: "Comma-separated interpolator losses that also train the encoder: edits, all.") var encoderLosses: String = ""
  @Option(help: "Chance a training sample edits only one group.") var singleGroup: Double = 0.5
  @Option(help: "Relative latent spread under which a collapse is reported.") var collapseThreshold: Float = 0.1
  @Flag(help: "Train without geometric jitter.") var noJitter = false

  func run() throws {
    let outURL = URL(fileURLWithPath: out)
    let checkpoint = outURL.appendingPathComponent("homointerp.safetensors")
    var options = HomoInterpTrainingOptions()
    options.steps = steps ?? 10_000
    options.batchSize = batch
    options.learningRate = lr
    options.nCritic = nCritic
    options.classifierSteps = classifierSteps
    options.warmupSteps = warmup
    options.warmupLearningRate = warmupLr
    options.teacherVGG19 = teacher
    options.seed = seed
    options.singleGroupProbability = singleGroup
    options.collapseThreshold = collapseThreshold
    options.jitter = !noJitter
    options.weights.reconstruction = lambdaRec
    options.weights.perceptual = lambdaPerceptual
    options.weights.projection = lambdaProjection
    options.weights.gradientPenalty = lambdaGp
    options.weights.criticAttribute = lambdaCriticAttribute
    options.weights.adversarial = lambdaAdversarial
    options.weights.attribute = lambdaAttribute
    options.weights.interpolateAll = lambdaAll
    options.weights.pixelAttribute = lambdaPixel
    for item in encoderLosses.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
      switch item {
      case "edits": options.editLossesReachEncoder = true
      case "all": options.interpolateAllReachesEncoder = true
      default: throw ValidationError("--encoder-losses: unknown '\(item)' (known: edits, all)")
      }
    }
    let config = HomoInterpConfig(imageSize: size, width: width, poolings: poolings, groups: AttributeGroup.defaultGroups)
    try config.validate()
    let trainer: HomoInterpTrainer
    if resume {
      trainer = try HomoInterpTrainer.resume(from: checkpoint, dataDirectory: URL(fileURLWithPath: data), steps: steps)
      print("resumed \(checkpoint.path) at step \(trainer.step) of \(trainer.options.steps) (options, seed and weights from the checkpoint)")
    } else {
      let faces = try HomoInterpData(
        directory: URL(fileURLWithPath: data), groups: config.groups, imageSize: size,
        jitter: options.jitter ? HomoInterpData.defaultJitter : nil, seed: seed)
      trainer = try HomoInterpTrainer(config: config, data: faces, options: options)
    }
    let m = trainer.model
    print(
      "model: \(m.config.imageSize) px, width \(m.config.width), \(m.config.poolings) poolings → latent \(m.config.latentChannels)×\(m.config.latentSide)×\(m.config.latentSide), "
        + "\(m.parameterCount) parameters, \(m.config.groups.count) groups; teacher: \(trainer.teacher.description); "
        + "\(trainer.data.records.count) training faces")
    fflush(stdout)
    let start = Date()
    let first = trainer.step
    var window: [Double] = []
    try trainer.run(
      checkpoint: checkpoint, checkpointEvery: checkpointEvery, sampleDirectory: outURL.appendingPathComponent("samples"),
      sampleEvery: sampleEvery
    ) { report in
      window.append(report.seconds)
      if window.count > 50 { window.removeFirst() }
      if let warning = report.collapseWarning { print("WARNING step \(report.step): \(warning)") }
      guard report.step % max(1, logEvery) == 0 || report.step == report.totalSteps else { return }
      let perStep = window.reduce(0, +) / Double(max(1, window.count))
      let eta = perStep * Double(report.totalSteps - report.step)
      let values = report.losses.sorted { $0.key < $1.key }.map { String(format: "%@ %.4f", $0.key, $0.value) }.joined(separator: ", ")
      print(
        String(
          format: "step %d/%d [%@] %.2f it/s, ETA %@ — %@", report.step, report.totalSteps, report.phase.rawValue,
          1 / max(perStep, 1e-9), Self.duration(eta), values))
      fflush(stdout)
    }
    print(
      String(
        format: "trained %d steps in %@; checkpoint %@", trainer.step - first, Self.duration(Date().timeIntervalSince(start)),
        checkpoint.path))
  }

  static func duration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60)
  }
}
