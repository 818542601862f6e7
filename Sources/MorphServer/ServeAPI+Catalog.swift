import Foundation
import MorphCatalog
import MorphImaging

/// The catalog page's routes: the attribute query language with paging, thumbnails, nearest
/// neighbours, and runs with their metrics and artifacts — all through a read-only connection.
extension ServeAPI {
  struct CatalogImage: Encodable {
    var id: Int64
    var dataset: String
    var path: String
    var split: String?
    var image: String
    var similarity: Float?

    init(_ match: ImageMatch, similarity: Float? = nil) {
      id = match.id
      dataset = match.dataset
      path = match.path
      split = match.split
      image = "/api/catalog/images/\(match.id)/image"
      self.similarity = similarity
    }
  }

  struct CatalogSummary: Encodable {
    var path: String
    var models: [String]
    var datasets: [String]
    var attributes: [String]
    var groups: [String: [String]]
    var latentModel: String
  }

  struct QueryPage: Encodable {
    var query: String
    var total: Int
    var page: Int
    var perPage: Int
    var images: [CatalogImage]
  }

  struct RunDetail: Encodable {
    var run: RunRecord
    var metrics: [MetricRecord]
    var artifacts: [Artifact]
  }

  struct Artifact: Encodable {
    var id: Int64?
    var path: String
    var stage: String?
    var item: String?
    var byteSize: Int64
    /// Where the viewer shows it (images only), or nil.
    var url: String?
  }

  func routeCatalog(_ parts: [String], _ request: APIRequest) async throws -> APIResponse {
    let catalog = try catalogs.open()
    switch (parts.first ?? "", parts.count) {
    case ("", 0):
      let vocabulary = try catalog.vocabulary()
      return .json(
        CatalogSummary(
          path: catalogs.url?.path ?? "", models: try catalog.models().map(\.name), datasets: vocabulary.datasets,
          attributes: vocabulary.attributeSlots.keys.sorted(), groups: vocabulary.groups, latentModel: latentModelName))
    case ("query", 1):
      return .json(try await queryPage(catalog, request.query))
    case ("images", 3) where parts[2] == "image":
      let id = try Self.integer(parts[1], "image id")
      let match = try catalog.image(id: id)
      let side = try Self.bounded(request.query["size"], "size", default: 96, 16...512)
      return .png(try await offload { try Self.thumbnail(URL(fileURLWithPath: match.absolutePath), side: side) })
    case ("nearest", 1):
      return .json(try await nearest(catalog, request.query))
    case ("runs", 1):
      let limit = try Self.bounded(request.query["limit"], "limit", default: 50, 1...500)
      return .json(try await offload { try catalog.runs(limit: limit) })
    case ("runs", 2):
      let id = try Self.integer(parts[1], "run id")
      return .json(try await runDetail(catalog, id))
    case ("runs", 4) where parts[2] == "artifacts":
      let run = try Self.integer(parts[1], "run id"), artifact = try Self.integer(parts[3], "artifact id")
      // The file a run recorded — a path the catalog knows, looked up by id, never taken
      // from the request.
      guard let record = try catalog.artifacts(runID: run).first(where: { $0.id == artifact }) else {
        throw ServeError.notFound("run \(run) has no artifact \(artifact)")
      }
      guard Self.viewable(record.path) else {
        throw ServeError.unsupportedMediaType("artifact \(artifact) (\(record.path)) is not an image the viewer shows")
      }
      let url = URL(fileURLWithPath: record.path)
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw ServeError.notFound("artifact \(artifact)'s file \(record.path) is gone")
      }
      return try fileResponse(url)
    default:
      throw ServeError.notFound("no catalog route /api/catalog/\(parts.joined(separator: "/")); see docs/serve.md")
    }
  }

  static func viewable(_ path: String) -> Bool {
    ["png", "jpg", "jpeg", "gif", "webp"].contains((path as NSString).pathExtension.lowercased())
  }

  /// `?q=…&split=…&page=0&per_page=24`: one page of matches and the total count.
  func queryPage(_ catalog: Catalog, _ query: [String: String]) async throws -> QueryPage {
    let expression = query["q"] ?? ""
    let split = query["split"].flatMap { $0.isEmpty ? nil : $0 }
    let perPage = try Self.bounded(query["per_page"], "per_page", default: 24, 1...200)
    let page = try Self.bounded(query["page"], "page", default: 0, 0...1_000_000)
    return try await offload {
      let total = try catalog.count(expression, split: split)
      let matches = try catalog.query(expression, split: split, limit: perPage, offset: page * perPage)
      return QueryPage(query: expression, total: total, page: page, perPage: perPage, images: matches.map { CatalogImage($0) })
    }
  }

  /// `?image=ID` (a catalog image's stored latent) or `?face=FID` (an editor face's latent),
  /// with `k`, `model`, `where` and `split`: the most cosine-similar stored latents.
  func nearest(_ catalog: Catalog, _ query: [String: String]) async throws -> [CatalogImage] {
    let k = try Self.bounded(query["k"], "k", default: 12, 1...200)
    let model = query["model"].flatMap { $0.isEmpty ? nil : $0 } ?? latentModelName
    let expression = query["where"].flatMap { $0.isEmpty ? nil : $0 }
    let split = query["split"].flatMap { $0.isEmpty ? nil : $0 }
    if let faceID = query["face"] {
      let face = try await state.face(faceID)
      let c = self.model.config.latentChannels
      let pooled = LatentInput(imageID: 0, values: face.latent, shape: [c, face.latent.count / max(1, c)]).pooledVector
      return try await offload {
        try catalog.nearest(to: pooled, model: model, k: k, where: expression, split: split).map {
          CatalogImage($0.image, similarity: $0.similarity)
        }
      }
    }
    guard let text = query["image"] else { throw ServeError.badRequest("give `image` (a catalog image id) or `face` (an editor face id)") }
    let id = try Self.integer(text, "image id")
    return try await offload {
      try catalog.nearest(toImage: id, model: model, k: k, where: expression, split: split).map {
        CatalogImage($0.image, similarity: $0.similarity)
      }
    }
  }

  func runDetail(_ catalog: Catalog, _ id: Int64) async throws -> RunDetail {
    try await offload {
      let run = try catalog.run(id: id)
      let artifacts = try catalog.artifacts(runID: id).map { record in
        Artifact(
          id: record.id, path: record.path, stage: record.stage, item: record.item, byteSize: record.byteSize,
          url: Self.viewable(record.path) && record.id != nil ? "/api/catalog/runs/\(id)/artifacts/\(record.id ?? 0)" : nil)
      }
      return RunDetail(run: run, metrics: try catalog.metrics(runID: id), artifacts: artifacts)
    }
  }

  // MARK: - Parameters

  static func integer(_ text: String, _ what: String) throws -> Int64 {
    guard let value = Int64(text), value >= 0 else { throw ServeError.badRequest("\(what) `\(text)` is not a whole number") }
    return value
  }

  static func bounded(_ text: String?, _ name: String, default value: Int, _ range: ClosedRange<Int>) throws -> Int {
    guard let text, !text.isEmpty else { return value }
    guard let number = Int(text), range.contains(number) else {
      throw ServeError.badRequest("`\(name)` must be a whole number within \(range.lowerBound)…\(range.upperBound), got `\(text)`")
    }
    return number
  }
}
