import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphTensor

/// What a face is interpolated toward, resolved once when `homointerp.interpolate` starts.
enum HomoInterpReference {
  /// One latent `[1, C, s, s]` every face moves toward (reference images, or catalog images
  /// matching a query, averaged).
  case latent(Tensor)
  /// A direction `d = mean(with) − mean(without)`: each face `F` moves toward `F + d`.
  case direction(Tensor)

  static let parameters: [ParameterSpec] = [
    ParameterSpec(
      "reference", .string, default: .string(""),
      "Reference image file or folder (aligned with reference_align to the checkpoint's size, encoded, latents averaged)."),
    .stageAlignment(
      "reference_align", default: .centreCrop,
      "How reference images are aligned: centre-crop, celeba-crop, landmarks (the reference's sidecar, else its "
        + "dataset's landmark list, else the detector) or detected (the detector)."),
    ReferenceAlignment.detectorParameter,
    ParameterSpec(
      "reference_query", .string, default: .string(""),
      "Attribute query, e.g. \"Smiling AND NOT Male\": the first n_ref matching catalog images, averaged "
        + "(their stored latents under latent_model when there are any, else the images encoded now)."),
    ParameterSpec(
      "n_ref", .int, default: .int(8), "How many catalog references reference_query averages.",
      check: { ($0.intValue ?? 0) >= 1 ? nil : "must be at least 1" }),
    ParameterSpec(
      "prototype", .string, default: .string(""),
      "Attribute query whose catalog prototype (mean latent with it − mean latent without it) is the direction."),
    ParameterSpec(
      "latent_model", .string, default: .string(""),
      "Catalog model name whose stored latents reference_query and prototype use (default: the checkpoint's file stem)."),
    ParameterSpec("split", .string, default: .string(""), "Limit catalog references to train, val or test (empty = all)."),
  ]

  /// Resolves the one reference the stage's parameters name.
  static func resolve(_ context: StageContext, checkpoint: HomoInterpCheckpoint) throws -> HomoInterpReference {
    let stage = context.stageID
    let given = ["reference", "reference_query", "prototype"].filter { !context.string($0).isEmpty }
    guard given.count == 1 else {
      throw PipelineError.stage(
        stage: stage,
        message: given.isEmpty
          ? "give a reference: `reference` (image or folder), `reference_query` (catalog query) or `prototype` (catalog attribute)"
          : "give only one of \(given.joined(separator: ", "))")
    }
    let model = context.string("latent_model").isEmpty ? checkpoint.name : context.string("latent_model")
    let split = context.string("split").isEmpty ? nil : context.string("split")
    let c = checkpoint.config.latentChannels, s = checkpoint.config.latentSide
    let align = try ReferenceAlignment(context)
    switch given[0] {
    case "reference":
      let url = context.url("reference")
      return .latent(
        try encodeMean(imageFiles(url, written: context.string("reference"), stage: stage), checkpoint, align: align, stage: stage))
    case "reference_query":
      let query = context.string("reference_query"), n = context.int("n_ref")
      guard let catalog = context.catalog else {
        throw PipelineError.stage(stage: stage, message: "reference_query needs a catalog")
      }
      // Stored latents when the catalog has them for this model; otherwise the images, encoded now.
      if try catalog.models().contains(where: { $0.name == model }),
        let mean = try? catalog.meanLatent(matching: query, model: model, split: split, limit: n)
      {
        return .latent(try latentTensor(mean.shape, mean.values, channels: c, side: s, what: "latents of model \(model)", stage: stage))
      }
      let matches: [ImageMatch]
      do { matches = try catalog.query(query, split: split, limit: n) } catch {
        throw PipelineError.stage(stage: stage, message: "reference_query: \(error)")
      }
      guard !matches.isEmpty else {
        throw PipelineError.stage(stage: stage, message: "reference_query `\(query)` matches no catalog image")
      }
      return .latent(try encodeMean(matches.map { URL(fileURLWithPath: $0.absolutePath) }, checkpoint, align: align, stage: stage))
    default:
      let query = context.string("prototype")
      guard let catalog = context.catalog else {
        throw PipelineError.stage(stage: stage, message: "prototype needs a catalog")
      }
      let prototype: AttributePrototype
      do { prototype = try catalog.attributePrototype(query, model: model, split: split) } catch {
        throw PipelineError.stage(
          stage: stage,
          message: "prototype `\(query)`: \(error) — encode a labelled dataset first (homointerp.encode with store: true, "
            + "model_name: \(model))")
      }
      return .direction(
        try latentTensor(prototype.shape, prototype.direction, channels: c, side: s, what: "prototype of model \(model)", stage: stage))
    }
  }

  /// The reference latents for a batch of sources `[N, C, s, s]`.
  func latents(for sources: Tensor) -> Tensor {
    switch self {
    case .latent(let reference): return reference
    case .direction(let d): return sources + d.broadcast(to: sources.shape)
    }
  }

  static func latentTensor(_ shape: [Int], _ values: [Float], channels: Int, side: Int, what: String, stage: String) throws -> Tensor {
    guard Array(shape.suffix(3)) == [channels, side, side], values.count == channels * side * side else {
      throw PipelineError.stage(
        stage: stage, message: "\(what) have shape \(shape), the checkpoint's latents are [\(channels), \(side), \(side)]")
    }
    return Tensor(shape: [1, channels, side, side], scalars: values)
  }

  /// A file, or the image files of a folder (sorted).
  static func imageFiles(_ url: URL, written: String, stage: String) throws -> [URL] {
    var isDirectory: ObjCBool = false
    guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) else {
      throw PipelineError.file(path: url.path, message: "reference image or folder not found (reference: \(written))")
    }
    guard isDirectory.boolValue else { return [url] }
    let names = try LoadStage.imageFiles(in: url, recursive: false, stage: stage)
    guard !names.isEmpty else { throw PipelineError.file(path: url.path, message: "reference folder holds no images") }
    return names.map { url.appendingPathComponent($0) }
  }

  /// Loads, aligns and encodes images; returns their mean latent `[1, C, s, s]`.
  static func encodeMean(_ urls: [URL], _ checkpoint: HomoInterpCheckpoint, align: ReferenceAlignment, stage: String) throws -> Tensor {
    let loader = ImageLoader()
    let size = checkpoint.imageSize
    let images = try urls.map { url in
      do {
        return try align.align(try loader.load(url), file: url, size: size)
      } catch let error as PipelineError {
        throw error
      } catch {
        throw PipelineError.file(path: url.path, message: "cannot use as a reference: \(error)")
      }
    }
    let latents = try checkpoint.withModel { try $0.encode(HomoInterpFrames.imageTensor(images)) }
    return latents.mean(axes: [0], keepDims: true)
  }
}
