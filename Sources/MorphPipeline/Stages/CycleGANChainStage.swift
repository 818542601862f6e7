import Foundation
import MorphImaging
import MorphModels

/// `cyclegan.chain`: several translators applied in sequence (attribute by attribute), with a
/// labelled strip of every step.
enum CycleGANChainStage {
  static let descriptor = StageDescriptor(
    name: "cyclegan.chain", summary: "Apply several CycleGAN translators in sequence; output a strip of every step (or the last).",
    shape: .map, input: .images, output: .images,
    parameters: [
      ParameterSpec("checkpoints", .string, "Comma-separated translator checkpoints, applied in this order."),
      ParameterSpec("directions", .string, default: .string(""), "Comma-separated a2b/b2a, one per checkpoint (empty: all a2b)."),
      ParameterSpec("alignment", .string, default: .string("celeba-crop"), "celeba-crop (aligned 178×218 photos) or resize."),
      ParameterSpec("show_steps", .bool, default: .bool(true), "Output a labelled strip input → step 1 → … (false: the last image only)."),
      ParameterSpec("font", .string, default: .string("sans 9"), "Pango font for the strip's labels."),
    ],
    concurrency: 1, batch: 4,
    modelHash: { try CycleGANCheckpointFile.hashes($0, key: "checkpoints") + "|" + ($0["directions"]?.stringValue ?? "") }
  ) { context in
    let paths = CycleGANCheckpointFile.list(context.string("checkpoints"))
    guard !paths.isEmpty else { throw PipelineError.stage(stage: context.stageID, message: "checkpoints is empty") }
    let written = CycleGANCheckpointFile.list(context.string("directions"))
    guard written.isEmpty || written.count == paths.count else {
      throw PipelineError.stage(
        stage: context.stageID, message: "\(written.count) directions for \(paths.count) checkpoints (give one per checkpoint)")
    }
    let directions = try (written.isEmpty ? paths.map { _ in "a2b" } : written).map { text -> CycleGANDirection in
      guard let d = CycleGANDirection(rawValue: text) else {
        throw PipelineError.stage(stage: context.stageID, message: "direction `\(text)` is not a2b or b2a")
      }
      return d
    }
    let alignment = try CycleGANAlignment.parse(context)
    let files = try paths.map { try CycleGANCheckpointFile(CycleGANCheckpointFile.resolve($0, in: context), written: $0, stage: context.stageID) }
    let showSteps = context.bool("show_steps"), font = context.string("font")
    // One lock for the whole chain: items run one at a time through all translators.
    let lock = NSLock()
    return .map { items in
      eachItem(items) { item in
        let image = try item.image(in: context.stageID)
        lock.lock()
        defer { lock.unlock() }
        let steps = zip(files, directions).map { CycleGANChain.Step(model: $0.0.model, direction: $0.1) }
        let states = try alignment.states(image, steps: steps)
        guard showSteps else { return .image(try states[states.count - 1].materialised()) }
        let sheet = ContactSheet(
          rows: 1, columns: states.count, columnLabels: ["input"] + steps.enumerated().map { "\($0.offset + 1). \($0.element.label)" },
          gap: 4, font: font)
        return .image(try sheet.render(states).materialised())
      }
    }
  }
}
