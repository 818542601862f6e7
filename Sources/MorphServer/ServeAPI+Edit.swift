import Crypto
import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphPipeline
import MorphTensor

/// One edit a request asks for: a face, a reference, a strength per checkpoint group and the
/// residual branch's strength (nil = automatic, the smallest group strength).
struct EditSettings: Sendable {
  var face: EditorFace
  var reference: EditorReference
  var strengths: [Float]
  var residual: Float?
  var body: ServeAPI.EditRequest
}

extension ServeAPI {
  struct EditRequest: Decodable, Sendable {
    var face: String
    var reference: String
    /// Group name → strength 0…2; groups left out are 0.
    var strengths: [String: Double]?
    /// Residual branch strength 0…2; null or absent = automatic.
    var residual: Double?
    /// For /api/save: edit, sweep, gif or webp.
    var kind: String?
    /// For sweeps: column strengths (default 0, 0.25, 0.5, 0.75, 1) and row groups (default:
    /// the groups with a non-zero strength, or every group when none has one).
    var sweep: [Double]?
    var groups: [String]?
    /// For animations: frames from the face to the edit (2…60, default 8).
    var frames: Int?
  }

  static let strengthRange: ClosedRange<Double> = 0...2

  /// Reads and checks an edit request: known face and reference ids, known group names,
  /// finite strengths within 0…2.
  func editSettings(_ request: APIRequest) async throws -> EditSettings {
    let body = try request.decodeJSON(EditRequest.self, limit: configuration.maxJSONBytes)
    let names = groups.map(\.name)
    var strengths = [Float](repeating: 0, count: names.count)
    for (group, value) in (body.strengths ?? [:]).sorted(by: { $0.key < $1.key }) {
      guard let index = names.firstIndex(of: group) else {
        throw ServeError.badRequest("the checkpoint has no attribute group `\(group)`; its groups are \(names.joined(separator: ", "))")
      }
      guard value.isFinite, Self.strengthRange.contains(value) else {
        throw ServeError.badRequest("strength of `\(group)` is \(value), outside 0…2")
      }
      strengths[index] = Float(value)
    }
    if let r = body.residual, !(r.isFinite && Self.strengthRange.contains(r)) {
      throw ServeError.badRequest("residual strength is \(r), outside 0…2 (leave it out for automatic)")
    }
    let face = try await state.face(body.face)
    let reference = try await state.reference(body.reference)
    return EditSettings(face: face, reference: reference, strengths: strengths, residual: body.residual.map(Float.init), body: body)
  }

  // MARK: - Rendering

  /// The decoded frames of one face at K strength rows, each row one interpolation of the
  /// cached latents (`homointerp.interpolate`: the branch outputs of the pair are computed once
  /// and kept, which gives the same values), all rows decoded as one batch and turned into 8-bit
  /// images as `homointerp.decode` does.
  func decodeFrames(_ edit: EditSettings, rows: [(strengths: [Float], residual: Float?)]) async throws -> [VipsImage] {
    let c = model.config.latentChannels, s = model.config.latentSide
    let face = edit.face.latent, reference = edit.reference.value
    // Ids are never reused, so a pair's key names the same latents for the server's lifetime.
    let key = "\(edit.face.id)|\(edit.reference.id)"
    let cached = await state.branches(forKey: key)
    let (frames, branches) = try await model.run { model -> ([VipsImage], HomoInterpBranches) in
      let branches: HomoInterpBranches
      if let cached {
        branches = cached
      } else {
        let source = Tensor(shape: [1, c, s, s], scalars: face)
        let target: Tensor
        switch reference {
        case .latent(let values): target = Tensor(shape: [1, c, s, s], scalars: values)
        case .direction(let d): target = source + Tensor(shape: [1, c, s, s], scalars: d).broadcast(to: source.shape)
        }
        branches = try model.interpolationBranches(source: source, reference: target)
      }
      let latents = try rows.map { row in try model.interpolate(branches, strengths: row.strengths, residualStrength: row.residual) }
      let images =
        latents.count == 1
        ? try model.decode(latents[0])
        : try model.decode(Tensor(shape: [latents.count, c, s, s], scalars: latents.flatMap(\.scalars)))
      return (try (0..<latents.count).map { try HomoInterpFrames.strip(images, first: $0, count: 1) }, branches)
    }
    if cached == nil { await state.storeBranches(branches, forKey: key) }
    return frames
  }

  /// The slider's image: one interpolation and one decode, as an 8-bit PNG at the model's size
  /// (the pixels `homointerp.decode` gives for the same strengths).
  func renderPNG(_ edit: EditSettings) async throws -> Data {
    let frames = try await decodeFrames(edit, rows: [(edit.strengths, edit.residual)])
    return try frames[0].encoded(as: "png")
  }

  // MARK: - Saving

  struct Saved: Encodable {
    var file: String
    var url: String
    var path: String
  }

  /// `POST /api/save`: writes the edit (PNG), the sweep sheet (PNG) or the animation (GIF/WebP)
  /// into the output folder, named from what it shows, and says where.
  func save(_ request: APIRequest) async throws -> Saved {
    let edit = try await editSettings(request)
    let kind = edit.body.kind ?? "edit"
    let stem = OutputFiles.stem(edit.face.label)
    let fingerprint = String(
      SHA256.hex("\(edit.face.source.file.path)|\(edit.face.align)|\(edit.reference.label)|\(edit.strengths)|\(String(describing: edit.residual))|\(kind)|\(edit.body.sweep ?? [])|\(edit.body.groups ?? [])|\(edit.body.frames ?? 0)|\(configuration.checkpoint.path)")
        .prefix(10))
    switch kind {
    case "edit":
      let png = try await renderPNG(edit)
      return try saved(OutputFiles.write(png, in: configuration.outputFolder, name: "\(stem)-edit-\(fingerprint).png"))
    case "sweep":
      let (rows, columns) = try sweepLayout(edit)
      let strengthRows = rows.flatMap { group in
        columns.map { v in (strengths: groups.map { $0.name == group ? v : 0 }, residual: edit.residual) }
      }
      let decoded = try await decodeFrames(edit, rows: strengthRows)
      let title = "\(edit.face.label): toward \(edit.reference.label), per group"
      let png = try await model.serial {
        let tiles = try decoded.map { try $0.resized(width: 128, height: 128) }
        let sheet = ContactSheet(
          rows: rows.count, columns: columns.count, rowLabels: rows,
          columnLabels: columns.map { String(format: "%.3g", Double($0)) }, title: title, gap: 4, font: "sans 9")
        return try sheet.render(tiles).materialised().encoded(as: "png")
      }
      return try saved(OutputFiles.write(png, in: configuration.outputFolder, name: "\(stem)-sweep-\(fingerprint).png"))
    case "gif", "webp":
      let count = edit.body.frames ?? 8
      guard (2...60).contains(count) else { throw ServeError.badRequest("frames must be within 2…60, got \(count)") }
      // The path from the face (t = 0) to the edit (t = 1), as `path_frames` makes it.
      let rows = (0..<count).map { k -> (strengths: [Float], residual: Float?) in
        let t = Float(k) / Float(count - 1)
        return (edit.strengths.map { $0 * t }, edit.residual.map { $0 * t })
      }
      let decoded = try await decodeFrames(edit, rows: rows)
      let name = "\(stem)-animation-\(fingerprint).\(kind)"
      let url = configuration.outputFolder.appendingPathComponent(name)
      try await model.serial {
        // Animation.save encodes in memory and writes atomically (AtomicFile).
        let frames = try decoded.map { try $0.resized(width: 128, height: 128) }
        try Animation.save(frames, to: url, pingPong: frames.count > 2, delayMilliseconds: 120)
      }
      return try saved(url)
    default:
      throw ServeError.badRequest("kind `\(kind)` is not edit, sweep, gif or webp")
    }
  }

  /// Sweep rows (group names) and columns (strengths) of a save request.
  func sweepLayout(_ edit: EditSettings) throws -> ([String], [Float]) {
    let names = groups.map(\.name)
    let columns = edit.body.sweep ?? [0, 0.25, 0.5, 0.75, 1]
    guard (1...11).contains(columns.count), columns.allSatisfy({ $0.isFinite && Self.strengthRange.contains($0) }) else {
      throw ServeError.badRequest("sweep must be 1…11 strengths within 0…2, got \(columns)")
    }
    var rows = edit.body.groups ?? zip(names, edit.strengths).filter { $0.1 != 0 }.map(\.0)
    if rows.isEmpty { rows = names }
    for row in rows where !names.contains(row) {
      throw ServeError.badRequest("the checkpoint has no attribute group `\(row)`; its groups are \(names.joined(separator: ", "))")
    }
    return (rows, columns.map(Float.init))
  }

  func saved(_ url: URL) throws -> Saved {
    let name = url.lastPathComponent
    return Saved(file: name, url: "/api/files/\(name)", path: url.path)
  }
}
