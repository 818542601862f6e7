import Foundation
import MorphCatalog
import MorphImaging

/// `homointerp.animate`: one looping GIF or WebP per item from its strip of frames (a path from
/// the face to its edit, or a sweep), written as `<folder>/<item>.<format>`.
enum HomoInterpAnimateStage {
  static let formats = ["gif", "webp"]

  static let descriptor = StageDescriptor(
    name: "homointerp.animate",
    summary: "Write each item's strip of frames as its own looping animated GIF or WebP.",
    shape: .map, input: .images, output: .records,
    parameters: [
      ParameterSpec("folder", .path, "Output folder (created when missing)."),
      ParameterSpec(
        "format", .string, default: .string("gif"), "gif or webp.",
        check: { formats.contains($0.stringValue ?? "") ? nil : "must be gif or webp" }),
      ParameterSpec(
        "delay_ms", .int, default: .int(120), "Milliseconds per frame.",
        range: .integers(10...10_000)),
      ParameterSpec("ping_pong", .bool, default: .bool(true), "Play forward then back (a smooth loop)."),
      AnimateStage.gifEffortParameter,
      ParameterSpec(
        "size", .int, default: .int(128), "Side of the animation in pixels (frames are resampled; 0 = as decoded).",
        range: .integers(0...1024)),
    ],
    retryable: true, concurrency: 2, batch: 1,
    cachedResultIsValid: { SaveStage.outputIsIntact($0) }
  ) { context in
    let folder = context.url("folder"), format = context.string("format")
    try makeFolder(folder, stage: context.stageID)
    let delay = context.int("delay_ms"), pingPong = context.bool("ping_pong"), size = context.int("size")
    let effort = context.int("gif_effort")
    return .map { items in
      eachItem(items) { item in
        var frames = try HomoInterpFrames.frames(of: try item.image(in: context.stageID), item: item.id, stage: context.stageID)
        if size > 0 { frames = try frames.map { try $0.resized(width: size, height: size) } }
        let url = folder.appendingPathComponent("\(fileStem(item.id)).\(format)").standardizedFileURL
        try Animation.save(frames, to: url, pingPong: pingPong && frames.count > 2, delayMilliseconds: delay, gifEffort: effort)
        return .record([
          artifactField: url.path, "item": item.id, "frames": String(frames.count), "sha256": try SHA256.hex(fileAt: url),
        ])
      }
    }
  }
}
