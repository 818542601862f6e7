import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphTensor

/// `homointerp.score`: per face (or per frame of a strip) the attribute probabilities — from
/// the critic's attribute heads on the re-encoded face, or from the oracle when `oracle` names
/// one — and the reconstruction PSNR/SSIM of decode(encode(face)) against the face. Results
/// are the output record and (with `record`) metrics of the run.
enum HomoInterpScoreStage {
  static let descriptor = StageDescriptor(
    name: "homointerp.score",
    summary: "Score faces or strips: attribute probabilities (critic heads or oracle) and reconstruction PSNR/SSIM.",
    shape: .map, input: .images, output: .records,
    parameters: [
      HomoInterpCheckpoint.parameter,
      ParameterSpec(
        "oracle", .string, default: .string(""),
        "Attribute oracle checkpoint (e.g. Fixtures/models/oracle.safetensors); empty = the critic's attribute heads."),
      ParameterSpec("reconstruction", .bool, default: .bool(true), "Also measure PSNR/SSIM of decode(encode(face)) against the face."),
      ParameterSpec(
        "attributes", .string, default: .string(""),
        "Attributes to report, comma-separated (empty = a sweep row's own group, or every attribute)."),
      HomoInterpParameters.sweepSpec("The interpolate stage's sweep, to name frames `group@strength` (empty: `frameN`)."),
      HomoInterpParameters.sweepGroupsSpec("The interpolate stage's sweep_groups (empty = the checkpoint's groups)."),
      ParameterSpec(
        "record", .bool, default: .bool(true),
        "Write the scores as metrics of the run that computes them (a cached rerun records none: chain write-metrics instead)."),
      ParameterSpec("prefix", .string, default: .string("score."), "Prefix of the metric names in the catalog."),
    ],
    concurrency: 1, batch: 4, modelHash: HomoInterpCheckpoint.modelHash
  ) { context in
    let checkpoint = try HomoInterpCheckpoint.load(context)
    let config = checkpoint.config
    let oracle: AttributeOracle?
    if context.string("oracle").isEmpty {
      oracle = nil
    } else {
      let url = context.url("oracle")
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw PipelineError.file(path: url.path, message: "oracle checkpoint not found (oracle: \(context.string("oracle")))")
      }
      do { oracle = try AttributeOracle.load(url) } catch {
        throw PipelineError.file(path: url.path, message: "cannot load the oracle: \(error)")
      }
    }
    let names = oracle == nil ? config.attributeNames : ToyFaceAttribute.allCases.map(\.rawValue)
    let chosen = HomoInterpParameters.nameList(context.string("attributes"))
    for name in chosen where !names.contains(name) {
      throw PipelineError.stage(
        stage: context.stageID,
        message: "attributes: `\(name)` is not scored by the \(oracle == nil ? "checkpoint" : "oracle")" + Suggest.hint(name, among: names))
    }
    let labels = try frameLabels(context, groups: config.groups.map(\.name))
    let reconstruction = context.bool("reconstruction"), prefix = context.string("prefix"), record = context.bool("record")
    return .map { items in
      var metrics: [MetricRecord] = []
      let results: [Result<Payload, Error>] = eachItem(items) { item in
        let frames = try HomoInterpFrames.frames(of: try item.image(in: context.stageID), item: item.id, stage: context.stageID)
        for frame in frames where frame.width != config.imageSize {
          throw PipelineError.item(
            stage: context.stageID, item: item.id,
            message: "frames are \(frame.width)×\(frame.height); the checkpoint takes \(config.imageSize)×\(config.imageSize)")
        }
        guard labels.isEmpty || labels.count == frames.count else {
          throw PipelineError.item(
            stage: context.stageID, item: item.id,
            message: "the strip has \(frames.count) frames but sweep × sweep_groups names \(labels.count)")
        }
        let evalImages = try frames.map { EvalImage(width: $0.width, height: $0.height, bytes: try $0.pixels()) }
        // The oracle reads whole CelebA frames: each aligned frame goes back into its photo's.
        let oracleImages = try oracle.map { _ in try framed(frames, item: item, stage: context.stageID) }
        let input = try HomoInterpFrames.imageTensor(frames)
        // Probabilities per frame, in `names` order; reconstructions when asked for.
        let (probabilities, rebuilt): ([[Double]], Tensor?) = try checkpoint.withModel { model in
          let latents = try model.encode(input)
          let rebuilt = reconstruction ? try model.decode(latents) : nil
          if let oracle, let oracleImages { return (try oracle.predict(oracleImages).map(\.scores), rebuilt) }
          let p = try model.attributeProbabilities(latents)
          let a = p.shape[1]
          return ((0..<frames.count).map { k in (0..<a).map { Double(p.scalars[k * a + $0]) } }, rebuilt)
        }
        var fields: [String: String] = ["item": item.id]
        for k in frames.indices {
          let label = frames.count == 1 ? "" : (labels.isEmpty ? "frame\(k)" : labels[k].name) + "."
          let wanted = chosen.isEmpty ? defaultAttributes(labels.isEmpty ? nil : labels[k].group, config: config, names: names) : chosen
          for name in wanted {
            guard let index = names.firstIndex(of: name) else { continue }
            fields[label + name] = format(probabilities[k][index])
          }
          if let rebuilt {
            let copy = evalImage(rebuilt, index: k)
            fields[label + "psnr"] = format(ImageMetrics.psnr(evalImages[k], copy) ?? 0)
            fields[label + "ssim"] = format(ImageMetrics.ssim(evalImages[k], copy) ?? 0)
          }
        }
        if record, let runID = context.runID {
          for (name, text) in fields where name != "item" {
            if let value = Double(text) {
              metrics.append(MetricRecord(runID: runID, name: prefix + name, value: value, stage: context.stageID, item: item.id))
            }
          }
        }
        return .record(fields)
      }
      if !metrics.isEmpty { try context.catalog?.recordMetrics(metrics) }
      return results
    }
  }

  /// `group@strength` per frame of a sweep (empty without a sweep).
  static func frameLabels(_ context: StageContext, groups: [String]) throws -> [(name: String, group: String)] {
    let sweep: [Float]
    do { sweep = try HomoInterpParameters.strengthList(context.string("sweep")) } catch {
      throw PipelineError.stage(stage: context.stageID, message: "sweep: \(error)")
    }
    guard !sweep.isEmpty else { return [] }
    let rows = try HomoInterpParameters.sweepRows(context, groups: groups)
    return rows.flatMap { row in sweep.map { ("\(row)@\(HomoInterpSheetStage.label($0))", row) } }
  }

  /// A sweep row's own attributes (all for `all` or no row); the oracle reports what it knows of them.
  static func defaultAttributes(_ group: String?, config: HomoInterpConfig, names: [String]) -> [String] {
    guard let group, let members = config.groups.first(where: { $0.name == group })?.attributes else { return names }
    let known = members.filter(names.contains)
    return known.isEmpty ? names : known
  }

  /// Frame `k` of model output `[K, 3, S, S]` (symmetric) as an interleaved [0, 1] image.
  static func evalImage(_ images: Tensor, index k: Int) -> EvalImage {
    let s = images.shape[2], plane = s * s
    var pixels = [Float](repeating: 0, count: plane * 3)
    images.scalars.withUnsafeBufferPointer { src in
      for c in 0..<3 {
        for p in 0..<plane {
          // Rounded to 8-bit levels, as the decoded image is when saved.
          let v = ((src[(k * 3 + c) * plane + p] + 1) * 127.5).rounded()
          pixels[p * 3 + c] = max(0, min(255, v)) / 255
        }
      }
    }
    return EvalImage(width: s, height: s, pixels: pixels)
  }

  static func format(_ v: Double) -> String { String(format: "%.4f", v) }

  /// Each CelebA-crop frame pasted back into the photo the item came from, as the oracle was
  /// trained to read (the evaluation shows it a model's output the same way).
  static func framed(_ frames: [VipsImage], item: Item, stage: String) throws -> [EvalImage] {
    let frame = try oraclePhoto(of: item, stage: stage)
    return try frames.map { try frame.withCelebACrop($0) }
  }

  /// The CelebA-layout photo an item came from, as the oracle reads it (the frame a crop is
  /// pasted back into); used by the score stage and by calibrated strengths.
  static func oraclePhoto(of item: Item, stage: String) throws -> EvalImage {
    guard let origin = item.origin else {
      throw PipelineError.item(
        stage: stage, item: item.id, message: "the oracle reads whole CelebA-layout photos, and this item came from no file")
    }
    let photo = try ImageLoader().load(origin)
    do { try Align.checkCelebaCropFits(width: photo.width, height: photo.height) } catch {
      throw PipelineError.item(
        stage: stage, item: item.id,
        message: "the oracle reads whole CelebA-layout photos (the crop pasted back into its 178×218 frame): \(error)")
    }
    return EvalImage(width: photo.width, height: photo.height, bytes: try photo.pixels())
  }
}
