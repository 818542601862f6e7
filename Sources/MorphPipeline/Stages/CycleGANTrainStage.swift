import Foundation
import MorphCatalog
import MorphModels

/// `cyclegan.train`: trains (or resumes) a CycleGAN translator pair on a synthetic face set and
/// outputs one record: the checkpoint path, steps done and the last losses.
enum CycleGANTrainStage {
  static let descriptor = StageDescriptor(
    name: "cyclegan.train", summary: "Train a CycleGAN translator pair between two domains of a face set.",
    shape: .source, input: nil, output: .records,
    parameters: [
      ParameterSpec("data", .path, "Synthetic face set (from `morph fixtures toyfaces`)."),
      ParameterSpec("group", .string, default: .string(""), "Attribute group splitting the domains (B = any attribute present)."),
      ParameterSpec("attribute", .string, default: .string(""), "Binary attribute splitting the domains (instead of group)."),
      ParameterSpec("out", .path, "Output folder: <out>/cyclegan.safetensors + .json."),
      ParameterSpec("size", .int, default: .int(64), "Image side in pixels.", range: .integers(8...1024)),
      ParameterSpec(
        "generator", .string, default: .string("resnet"), "Generator architecture.",
        range: .oneOf(CycleGANGeneratorKind.allCases.map(\.rawValue))),
      ParameterSpec("ngf", .int, default: .int(32), "Generator base width.", range: .integers(1...1024)),
      ParameterSpec("ndf", .int, default: .int(32), "Discriminator base width.", range: .integers(1...1024)),
      ParameterSpec("blocks", .int, default: .int(6), "Residual blocks (ResNet generator).", range: .integers(0...64)),
      ParameterSpec("unet_depth", .int, default: .int(6), "Downsamplings (U-Net generator).", range: .integers(2...10)),
      ParameterSpec("discriminator_layers", .int, default: .int(3), "Stride-2 layers of the PatchGAN (3 = 70×70).", range: .integers(1...8)),
      ParameterSpec("steps", .int, default: .int(2000), "Training steps.", range: .atLeast(1)),
      ParameterSpec("batch", .int, default: .int(1), "Images per domain per step.", range: .integers(1...4096)),
      ParameterSpec("lr", .double, default: .double(2e-4), "Adam learning rate.", range: .numbers(1e-9...1)),
      ParameterSpec("decay_steps", .int, default: .int(-1), "Steps of linear lr decay at the end (−1: half of steps).", range: .atLeast(-1)),
      ParameterSpec("lambda_cycle", .double, default: .double(10), "Cycle-consistency weight.", range: .numbers(0...1e6)),
      ParameterSpec("lambda_identity", .double, default: .double(5), "Identity weight (0 = off).", range: .numbers(0...1e6)),
      ParameterSpec("pool", .int, default: .int(50), "History buffer size per discriminator.", range: .integers(0...100_000)),
      ParameterSpec("limit", .int, default: .int(0), "Use at most this many training faces (0 = all).", range: .atLeast(0)),
      ParameterSpec("seed", .int, default: .int(1), "Seed for weights, data order, jitter and pools."),
      ParameterSpec("checkpoint_every", .int, default: .int(250), "Save every N steps.", range: .atLeast(1)),
      ParameterSpec("resume", .bool, default: .bool(false), "Continue from <out>/cyclegan.safetensors when it exists."),
    ],
    retryable: false, concurrency: 1,
    cachedResultIsValid: { payload in
      guard case .record(let fields) = payload, let path = fields[artifactField], let hash = fields["sha256"] else { return false }
      return (try? SHA256.hex(fileAt: URL(fileURLWithPath: path))) == hash
    }
  ) { context in
    let stage = context.stageID
    @Sendable func bad(_ message: String) -> PipelineError { PipelineError.stage(stage: stage, message: message) }
    let split: CycleGANDomainSplit
    do {
      split = try CycleGANDomainSplit.parse(
        group: context.string("group").isEmpty ? nil : context.string("group"),
        attribute: context.string("attribute").isEmpty ? nil : context.string("attribute"))
    } catch { throw bad("\(error)") }
    guard let kind = CycleGANGeneratorKind(rawValue: context.string("generator")) else {
      throw bad("generator `\(context.string("generator"))` is not resnet or unet")
    }
    let config = CycleGANConfig(
      imageSize: context.int("size"), generator: kind, ngf: context.int("ngf"), ndf: context.int("ndf"),
      residualBlocks: context.int("blocks"), unetDepth: context.int("unet_depth"),
      discriminatorLayers: context.int("discriminator_layers"), split: split)
    var options = CycleGANTrainingOptions()
    options.steps = context.int("steps")
    options.batchSize = context.int("batch")
    options.learningRate = Float(context.double("lr"))
    options.decaySteps = context.int("decay_steps") < 0 ? options.steps / 2 : context.int("decay_steps")
    options.cycleWeight = Float(context.double("lambda_cycle"))
    options.identityWeight = Float(context.double("lambda_identity"))
    options.poolSize = context.int("pool")
    options.seed = UInt64(truncatingIfNeeded: context.int("seed"))
    do {
      try config.validate()
      try options.validate()
    } catch { throw bad("\(error)") }
    let settings = options
    let data = context.url("data"), out = context.url("out")
    let checkpoint = out.appendingPathComponent("cyclegan.safetensors")
    let limit = context.int("limit"), every = context.int("checkpoint_every"), resume = context.bool("resume")
    let params = data.appendingPathComponent("params.csv")
    return .source {
      guard FileManager.default.fileExists(atPath: params.path) else {
        throw PipelineError.file(path: params.path, message: "no params.csv: not a synthetic face set (make one with `morph fixtures toyfaces`)")
      }
      // Same data and same settings → same checkpoint: the cache key covers both.
      let described = "\(config)|\(settings)|\(limit)"
      let key = "cyclegan:" + (try SHA256.hex(fileAt: params)) + ":" + SHA256.hex(described)
      let name = "\(split.name)-\(kind.rawValue)"
      return [
        SourceItem(id: name, contentKey: key) {
          let trainer: CycleGANTrainer
          if resume, FileManager.default.fileExists(atPath: CycleGANModel.checkpointPaths(checkpoint).metadata.path) {
            trainer = try CycleGANTrainer.resume(from: checkpoint, options: settings)
            guard trainer.model.config == config else {
              throw bad("resume: \(checkpoint.path) was trained with a different config")
            }
          } else {
            trainer = try CycleGANTrainer(model: try CycleGANModel(config: config, seed: settings.seed), options: settings)
          }
          let faces = try CycleGANData.faceSet(
            directory: data, split: split, imageSize: config.imageSize, seed: settings.seed, limit: limit > 0 ? limit : nil)
          try makeFolder(out, stage: stage)
          try trainer.run(data: faces, checkpoint: checkpoint, checkpointEvery: every, metadata: ["stage": stage])
          var fields: [String: String] = [
            artifactField: checkpoint.standardizedFileURL.path, "sha256": try SHA256.hex(fileAt: checkpoint),
            "step": String(trainer.step), "domain_a": String(faces.countA), "domain_b": String(faces.countB),
          ]
          if let l = trainer.lastLosses {
            for (k, v) in [
              ("loss_generator", l.generator), ("loss_cycle_a", l.cycleA), ("loss_cycle_b", l.cycleB),
              ("loss_discriminator_a", l.discriminatorA), ("loss_discriminator_b", l.discriminatorB),
            ] { fields[k] = String(v) }
          }
          return .record(fields)
        }
      ]
    }
  }
}
