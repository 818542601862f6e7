import ArgumentParser
import Foundation
import MorphModels
import MorphTensor

/// `morph train cyclegan`: a CycleGAN translator pair between two domains of a face set.
struct TrainCycleGANCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "cyclegan",
    abstract: "Train a CycleGAN translator pair between two domains of a synthetic face set.",
    discussion: """
      Domains: --group NAME puts faces with any attribute of the group present in domain B and \
      the rest in A (e.g. expression: smiling or open mouth vs neutral); --attribute NAME splits \
      on one binary attribute. Writes <out>/cyclegan.safetensors + cyclegan.json (weights, \
      optimiser moments, history pools; resumable with --resume) every --checkpoint-every steps \
      and samples.png (held-out faces: input, translation, cycle reconstruction) at the end. \
      Example: morph train cyclegan --data faces --group expression --out out/cg-expression \
      --size 64 --ngf 16 --blocks 3 --steps 3000
      """)

  @Option(help: "Synthetic face set (written by 'morph fixtures toyfaces').") var data: String
  @Option(help: "Attribute group that splits the domains (e.g. expression, hair_color).") var group: String?
  @Option(help: "Binary attribute that splits the domains (e.g. Smiling).") var attribute: String?
  @Option(help: "Output directory (checkpoint, samples).") var out: String
  @Option(help: "Image side in pixels.") var size: Int = 64
  @Option(help: "Generator: resnet or unet.") var generator: String = "resnet"
  @Option(help: "Generator base width (64 in the paper).") var ngf: Int = 32
  @Option(help: "Discriminator base width (64 in the paper).") var ndf: Int = 32
  @Option(help: "Residual blocks of the ResNet generator.") var blocks: Int = 6
  @Option(help: "Downsamplings of the U-Net generator.") var unetDepth: Int = 6
  @Option(help: "Stride-2 layers of the PatchGAN discriminator (3 = 70×70).") var discriminatorLayers: Int = 3
  @Option(help: "Training steps.") var steps: Int = 2_000
  @Option(help: "Images per domain per step.") var batch: Int = 1
  @Option(help: "Adam learning rate.") var lr: Float = 2e-4
  @Option(help: "Steps over which the learning rate decays linearly to 0 (default: the second half).") var decaySteps: Int?
  @Option(help: "Cycle-consistency weight λ.") var lambdaCycle: Float = 10
  @Option(help: "Identity-loss weight (0 turns it off).") var lambdaIdentity: Float = 5
  @Option(help: "Image history buffer size per discriminator (0 turns it off).") var pool: Int = 50
  @Option(help: "Use at most this many training faces.") var limit: Int?
  @Option(help: "Seed for weights, data order, jitter and pools.") var seed: UInt64 = 1
  @Option(help: "Save a checkpoint every N steps.") var checkpointEvery: Int = 250
  @Option(help: "Print a log line every N steps.") var logEvery: Int = 25
  @Flag(help: "Continue from <out>/cyclegan.safetensors (same config; --steps may be raised).") var resume = false

  func run() throws {
    guard let kind = CycleGANGeneratorKind(rawValue: generator) else {
      throw CycleGANError.badConfig("--generator must be resnet or unet, got '\(generator)'")
    }
    let split = try CycleGANDomainSplit.parse(group: group, attribute: attribute)
    let config = CycleGANConfig(
      imageSize: size, generator: kind, ngf: ngf, ndf: ndf, residualBlocks: blocks, unetDepth: unetDepth,
      discriminatorLayers: discriminatorLayers, split: split)
    try config.validate()
    var options = CycleGANTrainingOptions()
    options.steps = steps
    options.batchSize = batch
    options.learningRate = lr
    options.decaySteps = decaySteps ?? steps / 2
    options.cycleWeight = lambdaCycle
    options.identityWeight = lambdaIdentity
    options.poolSize = pool
    options.seed = seed
    try options.validate()
    let directory = URL(fileURLWithPath: out)
    let checkpoint = directory.appendingPathComponent("cyclegan.safetensors")
    let trainer: CycleGANTrainer
    if resume {
      trainer = try CycleGANTrainer.resume(from: checkpoint, options: options)
      guard trainer.model.config == config else {
        throw CycleGANError.badConfig("--resume: \(checkpoint.path) was trained with a different config (\(trainer.model.config)); give the same options")
      }
      print("resuming at step \(trainer.step) of \(steps)")
    } else {
      trainer = try CycleGANTrainer(model: try CycleGANModel(config: config, seed: seed), options: options)
    }
    let faces = try CycleGANData.faceSet(directory: URL(fileURLWithPath: data), split: split, imageSize: size, seed: seed, limit: limit)
    print("\(faces.description); \(trainer.model.parameterCount) parameters")
    fflush(stdout)
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    try trainer.run(
      data: faces, checkpoint: checkpoint, checkpointEvery: checkpointEvery, logEvery: logEvery,
      metadata: ["command": CommandLine.arguments.joined(separator: " ")]
    ) {
      print($0)
      fflush(stdout)
    }
    try writeSamples(trainer.model, split: split, to: directory.appendingPathComponent("samples.png"))
    print("wrote \(checkpoint.path) (+ .json) and \(directory.path)/samples.png")
  }

  /// Rows: held-out A faces, their translation to B and back; the same for B faces.
  func writeSamples(_ model: CycleGANModel, split: CycleGANDomainSplit, to url: URL) throws {
    let held = try CycleGANData.faceSet(
      directory: URL(fileURLWithPath: data), split: split, imageSize: size, jitter: nil, seed: seed, heldOut: true)
    var rows: [[EvalImage]] = []
    for (domainB, count) in [(false, held.countA), (true, held.countB)] {
      let x = try held.load(domainB, Array(0..<min(6, count)), 0)
      let y = try model.translate(x, domainB ? .bToA : .aToB)
      let back = try model.translate(y, domainB ? .aToB : .bToA)
      for batch in [x, y, back] { rows.append(try (0..<x.shape[0]).map { try CycleGANFrame.image(batch, index: $0) }) }
    }
    try SampleSheet.write(rows, to: url)
  }
}
