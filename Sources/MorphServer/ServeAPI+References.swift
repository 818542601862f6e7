import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphPipeline
import MorphTensor

/// What the API says about a reference.
struct ReferenceSummary: Encodable, Sendable {
  var id: String
  var kind: String
  var label: String
  var face: String?
  var count: Int?

  init(_ reference: EditorReference) {
    id = reference.id
    kind = reference.kind
    label = reference.label
    face = reference.face?.id
    count = reference.count
  }
}

extension ServeAPI {
  struct AddReferenceRequest: Decodable {
    /// face, query or prototype.
    var kind: String
    /// For `face`: a face id (any face the editor holds: folder, catalog, upload).
    var face: String?
    /// For `query` and `prototype`: an attribute expression, e.g. "Smiling AND NOT Male".
    var query: String?
    /// For `query`: how many matches are averaged (1…64, default 8).
    var n: Int?
    /// train, val or test (default: all).
    var split: String?
  }

  /// `POST /api/references`: resolves a reference once, the way `homointerp.interpolate`
  /// resolves its `reference`, `reference_query` and `prototype` parameters.
  func addReference(_ request: APIRequest) async throws -> ReferenceSummary {
    let body = try request.decodeJSON(AddReferenceRequest.self, limit: configuration.maxJSONBytes)
    let c = model.config.latentChannels, s = model.config.latentSide
    switch body.kind {
    case "face":
      guard let id = body.face else { throw ServeError.badRequest("kind `face` needs `face` (a face id)") }
      let face = try await state.face(id)
      let key = "face|\(id)"
      if let known = await state.reference(forKey: key) { return ReferenceSummary(known) }
      // The mean over one latent, as `encodeMean` takes it for a single reference image.
      let latent = try await model.run { _ in
        Tensor(shape: [1, c, s, s], scalars: face.latent).mean(axes: [0], keepDims: true).scalars
      }
      return ReferenceSummary(
        await state.addReference(key: key) { rid in
          EditorReference(id: rid, kind: "face", label: face.label, value: .latent(latent), face: face)
        })
    case "query", "prototype":
      guard let query = body.query?.trimmingCharacters(in: .whitespaces), !query.isEmpty else {
        throw ServeError.badRequest("kind `\(body.kind)` needs `query` (an attribute expression such as \"Smiling AND NOT Male\")")
      }
      let n = body.n ?? 8
      guard (1...64).contains(n) else { throw ServeError.badRequest("n must be within 1…64, got \(n)") }
      let key = "\(body.kind)|\(query)|\(body.split ?? "")|\(n)"
      if let known = await state.reference(forKey: key) { return ReferenceSummary(known) }
      let catalog = try catalogs.open()
      let (value, count) =
        body.kind == "query"
        ? try await queryReference(catalog, query, split: body.split, n: n)
        : try await prototypeReference(catalog, query, split: body.split)
      let values: [Float]
      switch value {
      case .latent(let v), .direction(let v): values = v
      }
      guard values.count == c * s * s else {
        throw ServeError.unprocessable(
          "the catalog's latents of model \(latentModelName) have \(values.count) values, the checkpoint's have \(c * s * s) ([\(c), \(s), \(s)])")
      }
      let label = body.kind == "query" ? "query \(query) (\(count) averaged)" : "prototype \(query)"
      return ReferenceSummary(
        await state.addReference(key: key) { rid in
          EditorReference(id: rid, kind: body.kind, label: label, value: value, query: query, split: body.split, count: count)
        })
    default:
      throw ServeError.badRequest("kind `\(body.kind)` is not face, query or prototype")
    }
  }

  /// The mean latent of the first `n` images matching `query`: their stored latents when the
  /// catalog has them for the latent model, else the images encoded now.
  func queryReference(_ catalog: Catalog, _ query: String, split: String?, n: Int) async throws -> (ReferenceValue, Int) {
    let model = latentModelName
    if try catalog.models().contains(where: { $0.name == model }),
      let mean = try? catalog.meanLatent(matching: query, model: model, split: split, limit: n)
    {
      return (.latent(mean.values), mean.count)
    }
    let matches = try catalog.query(query, split: split, limit: n)
    guard !matches.isEmpty else { throw ServeError.unprocessable("the query `\(query)` matches no catalog image") }
    let size = self.model.config.imageSize
    let images = try await offload {
      try matches.map { match in
        let file = URL(fileURLWithPath: match.absolutePath)
        let image = try ImageLoader().load(file)
        return try Align.aligned(image, mode: try Self.alignment("auto", for: image, file: file).0, size: size, file: file)
      }
    }
    let mean = try await self.model.run { model in
      try model.encode(HomoInterpFrames.imageTensor(images)).mean(axes: [0], keepDims: true).scalars
    }
    return (.latent(mean), matches.count)
  }

  /// The catalog's prototype of `query`: mean latent with it − mean latent without it.
  func prototypeReference(_ catalog: Catalog, _ query: String, split: String?) async throws -> (ReferenceValue, Int) {
    do {
      let prototype = try catalog.attributePrototype(query, model: latentModelName, split: split)
      return (.direction(prototype.direction), prototype.withCount)
    } catch let error as CatalogError {
      if case .query = error { throw Self.status(of: error) }
      throw ServeError.unprocessable(
        "prototype `\(query)`: \(error) — encode a labelled dataset first (homointerp.encode with store: true, model_name: \(latentModelName))")
    }
  }
}
