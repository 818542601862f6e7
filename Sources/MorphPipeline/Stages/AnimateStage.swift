import Foundation
import MorphCatalog
import MorphImaging

/// `animate`: every input image, in item order, as one looping GIF or WebP.
enum AnimateStage {
  /// The `gif_effort` parameter of both animation stages.
  static let gifEffortParameter = ParameterSpec(
    "gif_effort", .int, default: .int(Animation.defaultGIFEffort),
    "GIF palette effort 1…10 (libimagequant): lower is faster, 7 is libvips' default.",
    range: .integers(1...10))

  static let descriptor = StageDescriptor(
    name: "animate", summary: "Write all images, in item order, as one looping animated GIF or WebP.",
    shape: .reduce, input: .images, output: .records,
    parameters: [
      ParameterSpec("path", .path, "Output file (.gif or .webp)."),
      ParameterSpec("delay_ms", .int, default: .int(100), "Milliseconds per frame.", range: .integers(10...60_000)),
      ParameterSpec("ping_pong", .bool, default: .bool(false), "Play forward then back."),
      gifEffortParameter,
    ],
    retryable: true, concurrency: 1,
    cachedResultIsValid: { SaveStage.outputIsIntact($0) }
  ) { context in
    let url = context.url("path").standardizedFileURL
    guard Animation.suffixes.contains(url.pathExtension.lowercased()) else {
      throw PipelineError.stage(stage: context.stageID, message: "path must end in .gif or .webp: \(context.string("path"))")
    }
    try makeFolder(url.deletingLastPathComponent(), stage: context.stageID)
    let delay = context.int("delay_ms"), pingPong = context.bool("ping_pong"), effort = context.int("gif_effort")
    return .reduce { items in
      let frames = try items.map { try $0.image(in: context.stageID) }
      try Animation.save(frames, to: url, pingPong: pingPong, delayMilliseconds: delay, gifEffort: effort)
      return .record([artifactField: url.path, "frames": String(frames.count), "sha256": try SHA256.hex(fileAt: url)])
    }
  }
}
