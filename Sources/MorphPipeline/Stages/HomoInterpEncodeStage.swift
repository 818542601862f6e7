import Foundation
import MorphCatalog
import MorphImaging
import MorphModels

/// `homointerp.encode`: aligned faces → latents `[1, C, s, s]`, micro-batched through the
/// encoder; with `store` on, each latent is also written to the run's catalog.
enum HomoInterpEncodeStage {
  static let descriptor = StageDescriptor(
    name: "homointerp.encode", summary: "Encode aligned faces into HomoInterp latents (stored in the catalog).",
    shape: .map, input: .images, output: .latents,
    parameters: [
      HomoInterpCheckpoint.parameter,
      ParameterSpec(
        "store", .bool, default: .bool(true),
        "Write each latent to the catalog (images not yet in it are added by ingesting their folder)."),
      ParameterSpec("model_name", .string, default: .string(""), "Catalog model name (default: the checkpoint's file stem)."),
      ParameterSpec(
        "dtype", .string, default: .string("float16"), "Catalog storage: float16 or float32.",
        check: { LatentDType(rawValue: $0.stringValue ?? "") == nil ? "must be float16 or float32" : nil }),
    ],
    concurrency: 1, batch: 8, modelHash: HomoInterpCheckpoint.modelHash
  ) { context in
    let checkpoint = try HomoInterpCheckpoint.load(context)
    let store = context.bool("store")
    let writer: HomoInterpLatentWriter?
    if store {
      guard let catalog = context.catalog else {
        throw PipelineError.stage(stage: context.stageID, message: "store: true needs a catalog (or set store: false)")
      }
      let name = context.string("model_name").isEmpty ? checkpoint.name : context.string("model_name")
      writer = try HomoInterpLatentWriter(
        catalog: catalog, model: name, checkpoint: checkpoint,
        dtype: LatentDType(rawValue: context.string("dtype")) ?? .float16, stage: context.stageID)
    } else {
      writer = nil
    }
    let size = checkpoint.imageSize
    return .map { items in
      // Items with a wrong image fail alone; the rest go through the encoder as one batch.
      let checked = items.map { item in Result { try HomoInterpFrames.modelImage(item, size: size, stage: context.stageID) } }
      let good = zip(items, checked).compactMap { item, result in (try? result.get()).map { (item, $0) } }
      var outcomes: [Result<Payload, Error>] = []
      if !good.isEmpty {
        let input = try HomoInterpFrames.imageTensor(good.map(\.1))
        let latents = try checkpoint.withModel { try $0.encode(input) }
        let payloads = HomoInterpFrames.split(latents, counts: good.map { _ in 1 })
        let storeErrors = writer?.store(zip(good, payloads).map { ($0.0, $1) }) ?? payloads.map { _ in nil }
        outcomes = zip(payloads, storeErrors).map { payload, error in error.map { .failure($0) } ?? .success(payload) }
      }
      var next = 0
      return checked.map { result in
        result.flatMap { _ in
          defer { next += 1 }
          return outcomes[next]
        }
      }
    }
  }
}

/// Writes encoded latents to the catalog under one model name, registering the model (kind
/// `homointerp`, weights hash, config) and, once per folder, ingesting folders whose images
/// the catalog does not know yet (a CelebA-layout folder with its attribute labels).
final class HomoInterpLatentWriter: @unchecked Sendable {
  let catalog: Catalog
  let model: String
  let dtype: LatentDType
  let stage: String
  let images: CatalogImages

  init(catalog: Catalog, model: String, checkpoint: HomoInterpCheckpoint, dtype: LatentDType, stage: String) throws {
    self.catalog = catalog
    self.model = model
    self.dtype = dtype
    self.stage = stage
    images = CatalogImages(catalog: catalog, stage: stage)
    let config = (try? JSONEncoder().encode(checkpoint.config)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    try catalog.registerModel(
      ModelInfo(name: model, kind: "homointerp", weightsHash: checkpoint.weightsHash, configJSON: config))
  }

  /// Stores the latents in one transaction; returns per item the error that kept it out (nil = stored).
  func store(_ entries: [(Item, Payload)]) -> [Error?] {
    var errors = [Error?](repeating: nil, count: entries.count)
    var inputs: [LatentInput] = []
    var positions: [Int] = []
    for (n, (item, payload)) in entries.enumerated() {
      do {
        guard case .tensor(let shape, let data) = payload else { continue }
        let image = try resolve(item)
        inputs.append(LatentInput(imageID: image.id, values: data, shape: Array(shape.dropFirst())))
        positions.append(n)
      } catch {
        errors[n] = error
      }
    }
    do { try catalog.storeLatents(inputs, model: model, dtype: dtype) } catch {
      for n in positions { errors[n] = PipelineError.item(stage: stage, item: entries[n].0.id, message: "catalog: \(error)") }
    }
    return errors
  }

  /// The catalog image an item came from; an unknown image's folder is ingested first.
  func resolve(_ item: Item) throws -> ImageMatch {
    guard item.origin != nil else {
      throw PipelineError.item(
        stage: stage, item: item.id,
        message: "the item did not come from an image file, so its latent cannot be stored (set store: false)")
    }
    return try images.resolve(item)
  }
}
