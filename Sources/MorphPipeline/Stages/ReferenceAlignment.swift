import Foundation
import MorphImaging
import MorphModels

/// How a reference image is aligned: by its own rule, not through the sources' items (a
/// reference has no `detect` stage before it and may lie in another dataset).
///
/// - `centre-crop`, `celeba-crop`: as for the sources.
/// - `landmarks`: its sidecar, then its dataset's landmark list (`LandmarkLookup`), then the
///   face detector when its weights (`reference_detector`) are there.
/// - `detected`: the face detector; the best-scoring face.
///
/// When every rule fails, the error names each rule tried and why it did not apply.
final class ReferenceAlignment {
  let mode: StageAlignment
  /// MTCNN weights for the detector rule.
  let detectorWeights: URL
  /// Loaded at the first reference that needs it.
  private var detector: FaceDetector?

  static let detectorParameter = ParameterSpec(
    "reference_detector", .path, default: .string("Fixtures/models/mtcnn.safetensors"),
    "MTCNN weights that find a reference's face with reference_align: detected (and for landmarks when the "
      + "reference has neither a sidecar nor a dataset landmark list).")

  init(_ context: StageContext) throws {
    mode = try StageAlignment(context, "reference_align")
    detectorWeights = context.url("reference_detector")
  }

  /// `image` (loaded from `file`) aligned to `size × size`.
  func align(_ image: VipsImage, file: URL, size: Int) throws -> VipsImage {
    switch mode {
    case .image(.landmarks):
      let missing: LandmarkLookup.NotFound
      switch try LandmarkLookup.find(forImage: file) {
      case .success(let found): return try Align.aligned(image, mode: .landmarks, size: size, file: file, points: found.landmarks)
      case .failure(let notFound): missing = notFound
      }
      guard FileManager.default.fileExists(atPath: detectorWeights.path) else {
        throw failure(file, missing.tried + ["the face detector (no weights at \(detectorWeights.path), reference_detector)"])
      }
      return try detected(image, file: file, size: size, tried: missing.tried)
    case .image(let other):
      return try Align.aligned(image, mode: other, size: size, file: file)
    case .detected:
      return try detected(image, file: file, size: size, tried: [])
    }
  }

  /// Aligns by the five points of the best face the detector finds.
  func detected(_ image: VipsImage, file: URL, size: Int, tried: [String]) throws -> VipsImage {
    let detector: FaceDetector
    do {
      detector = try self.detector ?? FaceDetector(weights: detectorWeights)
      self.detector = detector
    } catch {
      throw failure(file, tried + ["the face detector (cannot load \(detectorWeights.path): \(error))"])
    }
    let faces = try DetectStage.detect(image, detector: detector, options: FaceDetectionOptions(), maxSide: 1600, origin: file)
    guard let best = faces.max(by: { $0.score < $1.score }) else {
      throw failure(file, tried + ["the face detector (found no face)"])
    }
    return try Align.aligned(image, mode: .landmarks, size: size, file: file, points: best.landmarks)
  }

  func failure(_ file: URL, _ tried: [String]) -> PipelineError {
    .file(
      path: file.path,
      message: "cannot align this reference (reference_align: \(mode.name)): tried " + tried.joined(separator: "; ")
        + " — give it a sidecar, or choose another reference_align")
  }
}
