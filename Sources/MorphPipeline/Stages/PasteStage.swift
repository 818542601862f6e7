import Foundation
import MorphImaging

/// `paste`: the edited faces of each photo put back into the full-resolution photo
/// (`FacePaste`: inverse of each face's alignment, feathered mask from its landmarks); pixels
/// outside every face's mask are the photo's own. One output per photo, named by the photo.
///
/// The photo is read again from the faces' origin with the same `ImageLoader` as `load` (so
/// EXIF rotation matches the detector's coordinates). The faces may be at any square size:
/// the model's output (`size`) or the detail composition (`detail_size`).
enum PasteStage {
  static let descriptor = StageDescriptor(
    name: "paste", summary: "Paste each photo's edited faces back into the full-resolution photo (one output per photo).",
    shape: .group, input: .images, output: .images,
    parameters: [
      ParameterSpec(
        "feather", .double, default: .double(0.1), "Width of the mask's soft edge, as a fraction of the aligned face.",
        range: .numbers(0...0.5)),
      PhotoRereading.maxPixels,
    ],
    // A pasted photo is as large as the photo: writing it to the cache would cost more than
    // pasting again (the faces before it are cached).
    cacheable: false, concurrency: 2
  ) { context in
    let feather = context.double("feather")
    let loader = PhotoRereading.loader(context)
    return .group { parent, members in
      let photo = try originalPhoto(of: parent, members: members, loader: loader, stage: context.stageID)
      let faces = try members.map { member -> PastedFace in
        guard let face = member.face else {
          throw PipelineError.item(stage: context.stageID, item: member.id, message: "carries no detected face")
        }
        let image = try member.image(in: context.stageID)
        guard image.width == image.height else {
          throw PipelineError.item(
            stage: context.stageID, item: member.id,
            message: "is \(image.width)×\(image.height), not one square face (paste one edit per face, not a strip of "
              + "\(image.width / max(1, image.height)) frames)")
        }
        return PastedFace(image: image, landmarks: face.landmarks)
      }
      do {
        return .image(try FacePaste.paste(faces, into: photo, feather: feather))
      } catch {
        throw PipelineError.item(stage: context.stageID, item: parent, message: "paste: \(error)")
      }
    }
  }

  /// The photo a group's faces were found in, reloaded at full resolution and checked to be
  /// the size the detector saw.
  static func originalPhoto(of parent: String, members: [Item], loader: ImageLoader, stage: String) throws -> VipsImage {
    guard let first = members.first, let face = first.face, let file = face.origin ?? first.origin else {
      throw PipelineError.item(
        stage: stage, item: parent, message: "has no detected face with a photo file (feed this stage from `detect`'s faces)")
    }
    let photo: VipsImage
    do { photo = try loader.load(file) } catch {
      throw PipelineError.item(stage: stage, item: parent, message: "cannot read the photo again: \(error)")
    }
    guard photo.width == face.photoWidth, photo.height == face.photoHeight else {
      throw PipelineError.item(
        stage: stage, item: parent,
        message: "\(file.path) is \(photo.width)×\(photo.height) now but the faces were found in a "
          + "\(face.photoWidth)×\(face.photoHeight) image (changed since detection?)")
    }
    return photo
  }
}
