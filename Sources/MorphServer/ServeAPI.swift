import Foundation
import MorphCatalog
import MorphImaging
import MorphModels

/// The viewer's request handling, with no socket: `handle(_:)` turns an `APIRequest` into an
/// `APIResponse`. The Hummingbird adapter (`ServeHTTP`) only moves bytes in and out, so every
/// rule below — routes, limits, refusals — is tested by calling `handle` directly.
///
/// Routes (JSON unless said otherwise; errors are `{"error", "status"}` with a 4xx/5xx code):
/// - `GET /`, `/catalog`, `/assets/NAME`: the pages (embedded in the binary).
/// - `GET /api/info`: checkpoint, groups, limits, whether a catalog and a detector are there.
/// - `GET /api/faces`, `GET /api/faces/folder`, `GET /api/faces/folder/NAME/image`,
///   `POST /api/faces`, `POST /api/photos` (image bytes), `GET /api/faces/ID/image`.
/// - `POST /api/references`, `POST /api/render` (PNG), `POST /api/save`, `POST /api/command`.
/// - `GET /api/files/NAME`: a file the server saved, from the output folder only.
/// - `GET /api/catalog`, `/api/catalog/query`, `/api/catalog/images/ID/image`,
///   `/api/catalog/nearest`, `/api/catalog/runs`, `/api/catalog/runs/ID`,
///   `/api/catalog/runs/ID/artifacts/AID`: the catalog, read-only.
public final class ServeAPI: Sendable {
  public let configuration: ServeConfiguration
  let model: ModelQueue
  let detector: FaceDetector?
  let state: EditorState
  let catalogs: CatalogHandle
  /// The checkpoint's file stem: the catalog model name its latents are stored under by default.
  let checkpointName: String
  let uploads: URL

  /// Loads the checkpoint (and the detector when its weights are there) and prepares the
  /// output folder. Throws a message naming the file when the checkpoint cannot be read.
  public init(configuration: ServeConfiguration) throws {
    self.configuration = configuration
    let paths = HomoInterpModel.checkpointPaths(configuration.checkpoint)
    for file in [paths.weights, paths.metadata] where !FileManager.default.fileExists(atPath: file.path) {
      throw ServeError.server("checkpoint file not found: \(file.path) (give one with --checkpoint; train one with `morph train homointerp`)")
    }
    let loaded: HomoInterpModel
    do { loaded = try HomoInterpModel.load(from: paths.weights) } catch {
      throw ServeError.server("cannot load the checkpoint \(paths.weights.path): \(error)")
    }
    model = ModelQueue(model: loaded)
    checkpointName = paths.weights.deletingPathExtension().lastPathComponent
    if let weights = configuration.detectorWeights, FileManager.default.fileExists(atPath: weights.path) {
      do { detector = try FaceDetector(weights: weights) } catch {
        throw ServeError.server("cannot load the face detector \(weights.path): \(error)")
      }
    } else {
      detector = nil
    }
    state = EditorState(capacity: configuration.cacheCapacity)
    catalogs = CatalogHandle(url: configuration.catalog)
    uploads = configuration.outputFolder.appendingPathComponent("uploads", isDirectory: true)
    do {
      try FileManager.default.createDirectory(at: uploads, withIntermediateDirectories: true)
    } catch {
      throw ServeError.server("cannot create the output folder \(configuration.outputFolder.path): \(error)")
    }
  }

  var groups: [AttributeGroup] { model.config.groups }
  var latentModelName: String { configuration.latentModel ?? checkpointName }

  // MARK: - Dispatch

  /// Answers one request. Never throws: a refusal is a 4xx response with a message, a failure
  /// a 5xx, and the server goes on with the next request either way.
  public func handle(_ request: APIRequest) async -> APIResponse {
    do {
      return try await route(request)
    } catch let error as ServeError {
      return .error(error)
    } catch let error as ImagingError {
      return .error(.unprocessable("\(error)"))
    } catch let error as CatalogError {
      return .error(Self.status(of: error))
    } catch {
      return .error(.server("\(error)"))
    }
  }

  func route(_ request: APIRequest) async throws -> APIResponse {
    if configuration.loopbackHostsOnly, let host = request.host, !Self.isLoopback(host) {
      throw ServeError(
        status: 403, "this server answers requests addressed to 127.0.0.1, localhost or [::1] only, not `\(host)`")
    }
    let parts = try request.pathComponents()
    let method = request.method
    func only(_ allowed: String) throws {
      guard method == allowed || (allowed == "GET" && method == "HEAD") else {
        throw ServeError.methodNotAllowed("\(method) is not allowed on \(request.rawPath); use \(allowed)")
      }
    }
    switch parts.first {
    case nil, "editor":
      try only("GET")
      return .text(PageAssets.editorHTML, contentType: "text/html; charset=utf-8")
    case "catalog":
      try only("GET")
      return .text(PageAssets.catalogHTML, contentType: "text/html; charset=utf-8")
    case "assets":
      try only("GET")
      guard parts.count == 2, let asset = PageAssets.asset(named: parts[1]) else {
        throw ServeError.notFound("no asset \(parts.dropFirst().joined(separator: "/")); the pages use \(PageAssets.names.joined(separator: ", "))")
      }
      return .text(asset.text, contentType: asset.contentType)
    case "api":
      return try await routeAPI(Array(parts.dropFirst()), request, only: only)
    default:
      throw ServeError.notFound("nothing at \(request.rawPath): the editor is at /, the catalog at /catalog, the API under /api/")
    }
  }

  func routeAPI(_ parts: [String], _ request: APIRequest, only: (String) throws -> Void) async throws -> APIResponse {
    switch (parts.first ?? "", parts.count) {
    case ("info", 1):
      try only("GET")
      return .json(info())
    case ("faces", 1):
      if request.method == "POST" { return .json(try await addFace(request), status: 201) }
      try only("GET")
      return .json(await state.allFaces().map(FaceSummary.init))
    case ("faces", 2) where parts[1] == "folder":
      try only("GET")
      return .json(try folderFaces())
    case ("faces", 4) where parts[1] == "folder" && parts[3] == "image":
      try only("GET")
      return .png(try await folderThumbnail(parts[2]))
    case ("faces", 3) where parts[2] == "image":
      try only("GET")
      return .png(try await state.face(parts[1]).image.encoded(as: "png"))
    case ("photos", 1):
      try only("POST")
      return .json(try await addPhoto(request), status: 201)
    case ("references", 1):
      try only("POST")
      return .json(try await addReference(request), status: 201)
    case ("render", 1):
      try only("POST")
      let edit = try await editSettings(request)
      return .png(try await renderPNG(edit))
    case ("save", 1):
      try only("POST")
      return .json(try await save(request), status: 201)
    case ("command", 1):
      try only("POST")
      return .json(try await command(request))
    case ("files", 2):
      try only("GET")
      return try outputFile(parts[1])
    case ("catalog", _):
      try only("GET")
      return try await routeCatalog(Array(parts.dropFirst()), request)
    default:
      throw ServeError.notFound("no API route /api/\(parts.joined(separator: "/")); see docs/serve.md for the routes")
    }
  }

  /// Whether a `Host` value (with or without a port) names this machine's loopback.
  static func isLoopback(_ host: String) -> Bool {
    var name = host.lowercased()
    if name.hasPrefix("[") {
      name = String(name.dropFirst().prefix { $0 != "]" })
    } else if let colon = name.lastIndex(of: ":") {
      name = String(name[..<colon])
    }
    return name == "localhost" || name == "::1" || name.hasPrefix("127.")
  }

  // MARK: - Info

  struct Info: Encodable {
    var checkpoint: String
    var imageSize: Int
    var groups: [AttributeGroup]
    var residualBranch: Bool
    var strengthRange: [Double]
    var catalog: String?
    var catalogAvailable: Bool
    var latentModel: String
    var detector: Bool
    var facesFolder: String?
    var output: String
    var maxUploadBytes: Int
  }

  func info() -> Info {
    Info(
      checkpoint: configuration.checkpoint.path, imageSize: model.config.imageSize, groups: groups,
      residualBranch: model.config.hasResidualBranch, strengthRange: [0, 2], catalog: configuration.catalog?.path,
      catalogAvailable: (try? catalogs.open()) != nil, latentModel: latentModelName, detector: detector != nil,
      facesFolder: configuration.facesFolder?.path, output: configuration.outputFolder.path,
      maxUploadBytes: configuration.maxUploadBytes)
  }

  /// A catalog error as the client's mistake (unknown name, bad query) or the server's.
  static func status(of error: CatalogError) -> ServeError {
    switch error {
    case .notFound, .noCatalog: return .notFound("\(error)")
    case .query, .invalidArgument: return .badRequest("\(error)")
    default: return .server("\(error)")
    }
  }
}

/// The catalog, opened read-only on first use (a catalog created after the server started is
/// picked up then) and kept.
final class CatalogHandle: Sendable {
  let url: URL?
  private let opened = Locked<Catalog?>(nil)

  init(url: URL?) { self.url = url }

  func open() throws -> Catalog {
    guard let url else {
      throw ServeError.notFound("no catalog: start the server with --catalog FILE")
    }
    return try opened.withLock { catalog in
      if let catalog { return catalog }
      guard FileManager.default.fileExists(atPath: url.path) else {
        throw ServeError.notFound(
          "no catalog at \(url.path): build one with `morph catalog ingest` or a `morph run` that stores latents")
      }
      let made = try Catalog.openForReading(at: url)
      catalog = made
      return made
    }
  }
}
