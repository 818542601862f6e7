import Foundation

/// What `morph serve` serves: the checkpoint, the catalog, where faces come from and where
/// saved files go, and the limits on what a request may send.
public struct ServeConfiguration: Sendable {
  /// HomoInterp checkpoint (`.safetensors` with its `.json` beside it).
  public var checkpoint: URL
  /// The catalog, opened read-only; nil or a missing file = the catalog page says there is none.
  public var catalog: URL?
  /// A folder of face images the editor offers to pick from (its listing is the only way a
  /// request names one of them).
  public var facesFolder: URL?
  /// MTCNN weights for picking faces in uploaded photos; nil or missing = photos need an
  /// explicit alignment (celeba-crop or centre-crop).
  public var detectorWeights: URL?
  /// Saved edits, sheets, animations and uploads go here, and only files here are served back.
  public var outputFolder: URL
  /// Catalog model name whose stored latents catalog references and nearest neighbours use
  /// (default: the checkpoint's file stem, as `homointerp.encode` stores them).
  public var latentModel: String?
  /// Largest upload accepted, in bytes.
  public var maxUploadBytes: Int
  /// Largest JSON body accepted, in bytes.
  public var maxJSONBytes: Int
  /// Largest uploaded image, in pixels (checked from the header, before decoding).
  public var maxUploadPixels: Int
  /// Faces and references kept in memory at once (oldest dropped first).
  public var cacheCapacity: Int
  /// Only answer requests addressed to a loopback name (`127.0.0.1`, `localhost`, `[::1]`):
  /// a web page elsewhere cannot then reach the server through a name that resolves to this
  /// machine (DNS rebinding). On while the server listens on loopback.
  public var loopbackHostsOnly: Bool = true

  public static let defaultMaxUploadBytes = 20 << 20

  public init(
    checkpoint: URL, catalog: URL? = nil, facesFolder: URL? = nil, detectorWeights: URL? = nil, outputFolder: URL,
    latentModel: String? = nil, maxUploadBytes: Int = ServeConfiguration.defaultMaxUploadBytes, maxJSONBytes: Int = 64 << 10,
    maxUploadPixels: Int = 40_000_000, cacheCapacity: Int = 64
  ) {
    self.checkpoint = checkpoint
    self.catalog = catalog
    self.facesFolder = facesFolder
    self.detectorWeights = detectorWeights
    self.outputFolder = outputFolder
    self.latentModel = latentModel
    self.maxUploadBytes = maxUploadBytes
    self.maxJSONBytes = maxJSONBytes
    self.maxUploadPixels = maxUploadPixels
    self.cacheCapacity = cacheCapacity
  }
}
