import Foundation
import MorphImaging

extension ParameterSpec {
  /// A stage parameter naming a `StageAlignment`: an `AlignmentMode` or `detected`.
  static func stageAlignment(_ name: String, default mode: AlignmentMode, _ help: String) -> ParameterSpec {
    ParameterSpec(name, .string, default: .string(mode.rawValue), help, range: .oneOf(StageAlignment.names))
  }
}

/// How a stage aligns an item's image: by an `AlignmentMode` of the image itself, or
/// `detected`: by the five landmarks of the face the item carries (from `detect`).
enum StageAlignment: Sendable, Equatable {
  case image(AlignmentMode)
  case detected

  static let detectedName = "detected"
  static var names: [String] { AlignmentMode.allCases.map(\.rawValue) + [detectedName] }

  /// The name a recipe gives this alignment.
  var name: String {
    switch self {
    case .image(let mode): return mode.rawValue
    case .detected: return Self.detectedName
    }
  }

  init?(_ name: String) {
    if name == Self.detectedName {
      self = .detected
    } else if let mode = AlignmentMode(rawValue: name) {
      self = .image(mode)
    } else {
      return nil
    }
  }

  /// The parameter `name` of `context`, or a stage error listing the choices.
  init(_ context: StageContext, _ name: String) throws {
    guard let mode = StageAlignment(context.string(name)) else {
      throw PipelineError.stage(
        stage: context.stageID,
        message: "\(name) `\(context.string(name))` is not one of \(Self.names.joined(separator: ", "))")
    }
    self = mode
  }

  /// `image` (item's photo, or the photo reloaded from its file) aligned to `size × size`.
  func align(_ image: VipsImage, item: Item, size: Int, stage: String) throws -> VipsImage {
    switch self {
    case .image(let mode):
      return try Align.aligned(image, mode: mode, size: size, file: item.origin)
    case .detected:
      guard let face = item.face else {
        throw PipelineError.item(
          stage: stage, item: item.id, message: "mode `detected` needs a detected face (put a `detect` stage before this one)")
      }
      guard image.width == face.photoWidth, image.height == face.photoHeight else {
        throw PipelineError.item(
          stage: stage, item: item.id,
          message: "the image is \(image.width)×\(image.height) but face \(face.index) was found in a "
            + "\(face.photoWidth)×\(face.photoHeight) photo (align the detector's own output)")
      }
      return try Align.aligned(image, mode: .landmarks, size: size, file: item.origin, points: face.landmarks)
    }
  }
}
