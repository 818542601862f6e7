import Crypto
import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphPipeline

/// What the API says about a face.
struct FaceSummary: Encodable, Sendable {
  var id: String
  var label: String
  var source: String
  var align: String
  var image: String
  var box: [Double]?

  init(_ face: EditorFace) {
    id = face.id
    label = face.label
    align = face.align
    image = "/api/faces/\(face.id)/image"
    switch face.source {
    case .folder: source = "folder"
    case .catalog: source = "catalog"
    case .upload: source = "upload"
    case .detected(_, _, let b):
      source = "detected"
      box = [b.x0, b.y0, b.x1, b.y1]
    }
  }
}

extension ServeAPI {
  /// Image suffixes the faces folder lists (as the pipeline's `load` stage reads them).
  static let imageSuffixes = ImageLoader.fileSuffixes
  /// Alignment modes a request may name (`auto`: celeba-crop for a 178×218 CelebA frame,
  /// centre-crop otherwise; `detect` only for photos).
  static let alignModes = ["auto", "celeba-crop", "centre-crop"]
  /// Faces taken from one photo at most.
  static let maxFacesPerPhoto = 8
  /// Photos longer than this are searched scaled down (the detector takes 16 MP at most).
  static let detectionMaxSide = 1600

  // MARK: - The faces folder

  struct FolderFace: Encodable {
    var name: String
    var image: String
  }

  /// The image files of the faces folder, by name: the only names `source: folder` accepts.
  func folderNames() throws -> [String] {
    guard let folder = configuration.facesFolder else { return [] }
    let names: [String]
    do { names = try FileManager.default.contentsOfDirectory(atPath: folder.path) } catch {
      throw ServeError.server("cannot list the faces folder \(folder.path): \(error.localizedDescription)")
    }
    return names.filter { !$0.hasPrefix(".") && Self.imageSuffixes.contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
  }

  func folderFaces() throws -> [FolderFace] {
    try folderNames().map { name in
      FolderFace(name: name, image: "/api/faces/folder/\(name.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? name)/image")
    }
  }

  /// The file of the faces folder listed under `name`; any other name is a 404 (a request
  /// never builds a path itself, so `../x` cannot reach outside the folder).
  func folderFile(_ name: String) throws -> URL {
    guard let folder = configuration.facesFolder else {
      throw ServeError.notFound("no faces folder: start the server with --faces FOLDER")
    }
    guard try folderNames().contains(name) else {
      throw ServeError.notFound("no face `\(name)` in the faces folder \(folder.path); GET /api/faces/folder lists them")
    }
    return folder.appendingPathComponent(name)
  }

  func folderThumbnail(_ name: String) async throws -> Data {
    let url = try folderFile(name)
    return try await offload { try Self.thumbnail(url, side: 96) }
  }

  /// An image file shrunk to fit `side` × `side`, as PNG.
  static func thumbnail(_ url: URL, side: Int) throws -> Data {
    let image = try ImageLoader().load(url)
    let scale = min(1, Double(side) / Double(max(image.width, image.height)))
    let small = scale < 1
      ? try image.resized(width: max(1, Int((Double(image.width) * scale).rounded())), height: max(1, Int((Double(image.height) * scale).rounded())))
      : image
    return try small.encoded(as: "png")
  }

  // MARK: - Adding a face

  struct AddFaceRequest: Decodable {
    /// folder or catalog.
    var source: String
    /// For `folder`: a name GET /api/faces/folder lists.
    var name: String?
    /// For `catalog`: a catalog image id.
    var image: Int64?
    var align: String?
  }

  /// `POST /api/faces`: a face from the faces folder or the catalog, aligned and encoded once.
  func addFace(_ request: APIRequest) async throws -> FaceSummary {
    let body = try request.decodeJSON(AddFaceRequest.self, limit: configuration.maxJSONBytes)
    let align = body.align ?? "auto"
    guard Self.alignModes.contains(align) else {
      throw ServeError.badRequest("align `\(align)` is not one of \(Self.alignModes.joined(separator: ", "))")
    }
    let source: FaceSource
    let label: String
    switch body.source {
    case "folder":
      guard let name = body.name else { throw ServeError.badRequest("source `folder` needs `name` (one of GET /api/faces/folder)") }
      source = .folder(file: try folderFile(name))
      label = name
    case "catalog":
      guard let id = body.image else { throw ServeError.badRequest("source `catalog` needs `image` (a catalog image id)") }
      let match = try catalogs.open().image(id: id)
      source = .catalog(imageID: id, file: URL(fileURLWithPath: match.absolutePath))
      label = "\(match.dataset)/\(match.path)"
    default:
      throw ServeError.badRequest("source `\(body.source)` is not folder or catalog (upload photos with POST /api/photos)")
    }
    let key = "\(source.file.path)|\(align)"
    if let known = await state.face(forKey: key) { return FaceSummary(known) }
    let file = source.file
    let loaded = try await offload { try ImageLoader().load(file) }
    let (mode, modeName) = try Self.alignment(align, for: loaded, file: file)
    let aligned = try await offload { [size = model.config.imageSize] in
      try Align.aligned(loaded, mode: mode, size: size, file: file)
    }
    let latent = try await encode(aligned)
    let face = await state.addFace(key: key) { id in
      EditorFace(id: id, label: label, source: source, align: modeName, image: aligned, latent: latent)
    }
    return FaceSummary(face)
  }

  /// The alignment `name` means for `image`: `auto` is celeba-crop for CelebA's 178×218 frame
  /// and centre-crop for anything else.
  static func alignment(_ name: String, for image: VipsImage, file: URL) throws -> (AlignmentMode, String) {
    switch name {
    case "celeba-crop":
      do { try Align.checkCelebaCropFits(width: image.width, height: image.height) } catch {
        throw ServeError.unprocessable("\(file.lastPathComponent): \(error); use align centre-crop")
      }
      return (.celebaCrop, name)
    case "centre-crop": return (.centreCrop, name)
    default:
      let celeba = image.width == Align.celebaFrame.width && image.height == Align.celebaFrame.height
      return celeba ? (.celebaCrop, "celeba-crop") : (.centreCrop, "centre-crop")
    }
  }

  /// The encoder's latent of one aligned face, `[C, s, s]` row-major (the pipeline's input
  /// tensor, as `homointerp.encode` makes it).
  func encode(_ aligned: VipsImage) async throws -> [Float] {
    try await model.run { model in
      try model.encode(HomoInterpFrames.imageTensor([aligned])).scalars
    }
  }

  // MARK: - Uploads

  struct PhotoAnswer: Encodable {
    var file: String
    var width: Int
    var height: Int
    var faces: [FaceSummary]
    var scores: [Double]
  }

  /// `POST /api/photos?align=detect|auto|celeba-crop|centre-crop`, body = the image bytes with an
  /// `image/*` media type. The bytes are bounded, kept under `uploads/` by content hash, and
  /// decoded by the pipeline's hardened loader (pixel bound checked from the header). With
  /// `detect` (the default when the detector is there) every face found becomes an editor
  /// face; otherwise the whole image is aligned as one face.
  func addPhoto(_ request: APIRequest) async throws -> PhotoAnswer {
    guard let type = request.contentType, type.hasPrefix("image/") || type == "application/octet-stream" else {
      throw ServeError.unsupportedMediaType(
        "send the photo's bytes as the body with an image media type (`Content-Type: image/jpeg`), got \(request.contentType ?? "none")")
    }
    guard request.body.count <= configuration.maxUploadBytes else {
      throw ServeError.tooLarge(Self.tooLargeMessage(request.body.count, limit: configuration.maxUploadBytes))
    }
    guard !request.body.isEmpty else { throw ServeError.badRequest("the upload is empty") }
    guard let suffix = Self.sniffImageSuffix(request.body) else {
      throw ServeError.unsupportedMediaType("the upload is not a JPEG, PNG, WebP, GIF, TIFF or HEIC/AVIF image (checked by its first bytes)")
    }
    let align = request.query["align"] ?? (detector == nil ? "auto" : "detect")
    guard align == "detect" || Self.alignModes.contains(align) else {
      throw ServeError.badRequest("align `\(align)` is not one of detect, \(Self.alignModes.joined(separator: ", "))")
    }
    let file = try storeUpload(request.body, suffix: suffix)
    let options = ImageLoadOptions(maxPixels: configuration.maxUploadPixels)
    let photo: VipsImage
    do { photo = try await offload { try ImageLoader(options).load(file) } } catch {
      throw ServeError.unprocessable("cannot use the upload as an image: \(error)")
    }
    let size = model.config.imageSize
    if align != "detect" {
      let key = "\(file.path)|\(align)"
      let face: EditorFace
      if let known = await state.face(forKey: key) {
        face = known
      } else {
        let (mode, modeName) = try Self.alignment(align, for: photo, file: file)
        let aligned = try await offload { try Align.aligned(photo, mode: mode, size: size, file: file) }
        let latent = try await encode(aligned)
        face = await state.addFace(key: key) { id in
          EditorFace(id: id, label: "upload \(file.lastPathComponent)", source: .upload(file: file), align: modeName, image: aligned, latent: latent)
        }
      }
      return PhotoAnswer(file: file.lastPathComponent, width: photo.width, height: photo.height, faces: [FaceSummary(face)], scores: [])
    }
    guard let detector else {
      throw ServeError.conflict("no face detector (its weights were not found); upload with ?align=centre-crop or give --detector")
    }
    let found = try await model.serial { try Self.detectFaces(photo, detector: detector) }
    guard !found.isEmpty else {
      throw ServeError.unprocessable("no face found in the photo; send it again with ?align=centre-crop to use the whole picture")
    }
    var faces: [FaceSummary] = []
    for (index, detected) in found.prefix(Self.maxFacesPerPhoto).enumerated() {
      let key = "\(file.path)|detected|\(index)"
      if let known = await state.face(forKey: key) {
        faces.append(FaceSummary(known))
        continue
      }
      let aligned = try await offload { try Align.landmarks(photo, points: detected.landmarks, size: size).materialised() }
      let latent = try await encode(aligned)
      let face = await state.addFace(key: key) { id in
        EditorFace(
          id: id, label: "\(file.lastPathComponent) face \(index + 1)", source: .detected(photo: file, index: index, box: detected.box),
          align: "detected", image: aligned, latent: latent)
      }
      faces.append(FaceSummary(face))
    }
    return PhotoAnswer(
      file: file.lastPathComponent, width: photo.width, height: photo.height, faces: faces,
      scores: found.prefix(Self.maxFacesPerPhoto).map(\.score))
  }

  static func tooLargeMessage(_ bytes: Int, limit: Int) -> String {
    "the upload has \(bytes) bytes, more than the \(limit / (1 << 20)) MB limit; send a smaller image (or start the server with a larger --max-upload-mb)"
  }

  /// Faces in `photo`, best first, in its own pixels (searched at most `detectionMaxSide` long).
  static func detectFaces(_ photo: VipsImage, detector: FaceDetector) throws -> [DetectedFace] {
    let longer = max(photo.width, photo.height)
    var scan = photo
    if longer > detectionMaxSide {
      let scale = Double(detectionMaxSide) / Double(longer)
      scan = try photo.resized(
        width: max(1, Int((Double(photo.width) * scale).rounded())), height: max(1, Int((Double(photo.height) * scale).rounded()))
      ).materialised()
    }
    let sx = Double(photo.width) / Double(scan.width), sy = Double(photo.height) / Double(scan.height)
    return try detector.detect(scan).map { found in
      DetectedFace(
        box: FaceBox(x0: found.box.x0 * sx, y0: found.box.y0 * sy, x1: found.box.x1 * sx, y1: found.box.y1 * sy),
        score: found.score,
        landmarks: try FaceLandmarks(points: found.landmarks.points.map { ImagePoint(x: $0.x * sx, y: $0.y * sy) }))
    }
  }

  /// The suffix of an image format recognised by its first bytes, or nil.
  static func sniffImageSuffix(_ data: Data) -> String? {
    let b = [UInt8](data.prefix(12))
    func starts(_ p: [UInt8]) -> Bool { b.count >= p.count && Array(b.prefix(p.count)) == p }
    if starts([0xFF, 0xD8, 0xFF]) { return "jpg" }
    if starts([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) { return "png" }
    if starts(Array("GIF8".utf8)) { return "gif" }
    if b.count >= 12, starts(Array("RIFF".utf8)), Array(b[8..<12]) == Array("WEBP".utf8) { return "webp" }
    if starts([0x49, 0x49, 0x2A, 0x00]) || starts([0x4D, 0x4D, 0x00, 0x2A]) { return "tif" }
    // HEIF (phones' photos) and AVIF: an ISO-BMFF `ftyp` box whose major brand names them.
    if b.count >= 12, Array(b[4..<8]) == Array("ftyp".utf8), let brand = String(bytes: b[8..<12], encoding: .ascii) {
      if ["heic", "heix", "heim", "heis", "hevc", "hevx", "mif1", "msf1"].contains(brand) { return "heic" }
      if ["avif", "avis"].contains(brand) { return "avif" }
    }
    return nil
  }

  /// Keeps an upload as `uploads/<hash>.<suffix>` (written to a temporary name, then renamed):
  /// the name comes from the content, never from the request.
  func storeUpload(_ data: Data, suffix: String) throws -> URL {
    let name = String(SHA256.hex(data).prefix(20)) + "." + suffix
    let file = uploads.appendingPathComponent(name)
    if FileManager.default.fileExists(atPath: file.path) { return file }
    try OutputFiles.writeAtomically(data, to: file)
    return file
  }
}
