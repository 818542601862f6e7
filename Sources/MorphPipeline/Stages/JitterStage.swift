import Foundation
import MorphImaging

/// `jitter`: seeded random shift, zoom, rotation, mirror and levels — the training augmentation.
enum JitterStage {
  static let descriptor = StageDescriptor(
    name: "jitter", summary: "Seeded random shift/zoom/rotation/mirror/levels of each aligned image.",
    shape: .map, input: .images, output: .images,
    parameters: [
      ParameterSpec("seed", .int, default: .int(0), "Random seed; an item's jitter depends only on seed, item and epoch."),
      ParameterSpec("epoch", .int, default: .int(0), "Epoch number (changes the draw).", range: .atLeast(0)),
      ParameterSpec("max_shift", .double, default: .double(JitterOptions().maxShift), "Largest shift, fraction of the side.",
        range: .numbers(0...0.5)),
      ParameterSpec("max_rotation", .double, default: .double(JitterOptions().maxRotationDegrees), "Largest rotation in degrees.",
        range: .numbers(0...180)),
      ParameterSpec("flip", .double, default: .double(JitterOptions().flipProbability), "Chance of a mirror.",
        range: .numbers(0...1)),
      ParameterSpec("brightness", .double, default: .double(JitterOptions().maxBrightness), "Largest brightness change.",
        range: .numbers(0...1)),
      ParameterSpec("contrast", .double, default: .double(JitterOptions().maxContrast), "Largest contrast change.",
        range: .numbers(0...1)),
    ],
    concurrency: 2, batch: 1
  ) { context in
    let options = JitterOptions(
      maxShift: context.double("max_shift"), maxRotationDegrees: context.double("max_rotation"),
      flipProbability: context.double("flip"), maxBrightness: context.double("brightness"),
      maxContrast: context.double("contrast"))
    guard options.maxShift >= 0, options.maxRotationDegrees >= 0, (0...1).contains(options.flipProbability),
      options.maxBrightness >= 0, options.maxContrast >= 0
    else {
      throw PipelineError.stage(stage: context.stageID, message: "jitter ranges must be ≥ 0 and flip within 0…1")
    }
    let jitter = Jitter(seed: UInt64(bitPattern: Int64(context.int("seed"))), options: options)
    let epoch = context.int("epoch")
    return .map { items in
      eachItem(items) { item in
        .image(try jitter.apply(try item.image(in: context.stageID), item: item.ordinal, epoch: epoch).materialised())
      }
    }
  }
}
