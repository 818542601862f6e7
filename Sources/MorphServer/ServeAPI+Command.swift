import Crypto
import Foundation
import MorphCatalog
import MorphModels

extension ServeAPI {
  struct CommandAnswer: Encodable {
    /// The recipe the command runs.
    var recipe: String
    /// `morph` and its arguments, one element each (no shell involved).
    var arguments: [String]
    /// The same, as one line for a POSIX shell.
    var command: String
    /// Where that run writes this face's edit, relative to its `output` parameter.
    var edited: String
    /// False when the run cannot give the same pixels (a detected face as the reference is
    /// re-read from a saved crop).
    var exact: Bool
  }

  /// `POST /api/command`: the `morph run` line that makes the same edit as the sliders: the
  /// recipe for the face's kind (translate-folder for a face file, edit-photos for a face found
  /// in a photo), the face's folder and alignment, the reference, every group's strength.
  func command(_ request: APIRequest) async throws -> CommandAnswer {
    let edit = try await editSettings(request)
    let photo: Bool
    if case .detected = edit.face.source { photo = true } else { photo = false }
    let recipe = photo ? "pipelines/edit-photos.yaml" : "pipelines/translate-folder.yaml"
    // Interpolate stages of the recipe: reference overrides that have no recipe parameter go to each.
    let interpolateStages = photo ? ["edit"] : ["edit", "path", "sweep"]
    var arguments = ["morph", "run", recipe]
    func set(_ name: String, _ value: String) { arguments += ["--set", "\(name)=\(value)"] }
    let face = edit.face
    set("input", face.source.file.deletingLastPathComponent().path)
    if !photo { set("mode", face.align) }
    set("checkpoint", configuration.checkpoint.path)
    if model.config.imageSize != 64 { set("size", String(model.config.imageSize)) }
    var exact = true
    let reference = edit.reference
    let referenceAlign: String
    switch reference.kind {
    case "face":
      guard let referenceFace = reference.face else { throw ServeError.server("reference \(reference.id) has no face") }
      if case .detected = referenceFace.source {
        // No recipe parameter aligns a reference by detected landmarks: use the aligned crop.
        let crop = try OutputFiles.write(
          try referenceFace.image.encoded(as: "png"), in: uploads,
          name: String(SHA256.hex(referenceFace.latent.map(\.bitPattern).description).prefix(20)) + "-face.png")
        set("reference", crop.path)
        referenceAlign = "centre-crop"
        exact = false
      } else {
        set("reference", referenceFace.source.file.path)
        referenceAlign = referenceFace.align
      }
    case "query":
      set("reference", "")
      referenceAlign = "auto"
      for stage in interpolateStages {
        set("\(stage).reference_query", reference.query ?? "")
        set("\(stage).n_ref", String(reference.count ?? 8))
        if let split = reference.split { set("\(stage).split", split) }
      }
    default:
      set("reference", "")
      referenceAlign = "auto"
      for stage in interpolateStages {
        set("\(stage).prototype", reference.query ?? "")
        if let split = reference.split { set("\(stage).split", split) }
      }
    }
    let sourceAlign = photo ? "celeba-crop" : face.align
    if reference.kind == "face", referenceAlign != sourceAlign {
      for stage in interpolateStages { set("\(stage).reference_align", referenceAlign) }
    }
    if reference.kind != "face", configuration.latentModel != nil {
      for stage in interpolateStages { set("\(stage).latent_model", latentModelName) }
    }
    // Every group, so the recipe's own defaults (expression 1.0) do not leak in.
    let defaults = Set(AttributeGroup.defaultGroups.map(\.name))
    var other: [String] = []
    for (group, value) in zip(groups.map(\.name), edit.strengths) {
      if defaults.contains(group) { set("strength.\(group)", "\(value)") } else { other.append("\(group)=\(value)") }
    }
    if !other.isEmpty { set("edit.strengths", other.joined(separator: ", ")) }
    if let residual = edit.residual { set("edit.residual", "\(residual)") }
    if reference.kind != "face", let catalog = configuration.catalog { arguments += ["--catalog", catalog.path] }
    let stem = (face.source.file.lastPathComponent as NSString).deletingPathExtension
    return CommandAnswer(
      recipe: recipe, arguments: arguments, command: arguments.map(Self.shellQuoted).joined(separator: " "),
      edited: photo ? "photos/\(stem).jpg" : "edited/\(stem).png", exact: exact)
  }

  /// A word as a POSIX shell reads it back unchanged.
  static func shellQuoted(_ word: String) -> String {
    let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+@%")
    if !word.isEmpty, word.unicodeScalars.allSatisfy({ safe.contains($0) }) { return word }
    return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
  }
}
