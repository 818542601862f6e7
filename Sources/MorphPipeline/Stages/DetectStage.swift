import Foundation
import MorphCatalog
import MorphImaging
import MorphModels

/// `detect`: the faces of each photo (MTCNN, `FaceDetector`), one item per face
/// (`photo.jpg#0`, `#1` …) carrying the photo itself and the face (box, score, five landmarks
/// in the photo's pixels). A photo without a face is recorded as such, not as an error.
///
/// Photos longer than `max_side` are scaled down for the detector only (the detector refuses
/// more than 16 MP; a 12,000 × 9,000 photo is searched at 1600 × 1200) and the detections
/// scaled back to the full photo. With a catalog, every photo's faces (or its lack of them)
/// are written to `face_scan` / `face` under the detector's name.
enum DetectStage {
  static let descriptor = StageDescriptor(
    name: "detect", summary: "Find the faces of each photo (MTCNN): one item per face, with box, score and five landmarks.",
    shape: .expand, input: .images, output: .images,
    parameters: [
      ParameterSpec("weights", .path, default: .string("Fixtures/models/mtcnn.safetensors"), "MTCNN weights (.safetensors)."),
      ParameterSpec(
        "min_face", .double, default: .double(20), "Smallest face searched for, in pixels of the image the detector sees.",
        check: { v in (v.doubleValue ?? 0) >= 12 ? nil : "must be at least 12 (P-Net's window), got \(v)" }),
      ParameterSpec(
        "thresholds", .string, default: .string("0.6,0.7,0.7"), "Score thresholds of P-Net, R-Net and O-Net (three numbers in 0…1).",
        check: { v in thresholds(v.stringValue ?? "") == nil ? "must be three numbers in 0…1, e.g. 0.6,0.7,0.7, got \(v)" : nil }),
      ParameterSpec(
        "max_faces", .int, default: .int(0), "Keep at most this many faces per photo, best first (0 = all).",
        check: { v in (v.intValue ?? -1) >= 0 ? nil : "must be 0 (all) or more, got \(v)" }),
      ParameterSpec(
        "max_side", .int, default: .int(1600), "Photos longer than this are scaled down for detection only.",
        range: .integers(64...4000)),
      ParameterSpec(
        "refine_landmarks", .bool, default: .bool(true),
        "Read each face's landmarks a second time from its final box and average (more accurate; false gives facenet-pytorch's points)."),
      ParameterSpec("record", .bool, default: .bool(true), "Write each photo's faces to the run's catalog (when there is one)."),
    ],
    concurrency: 1, batch: 1, modelHash: weightsHash
  ) { context in
    let weights = context.url("weights")
    let detector: FaceDetector
    do { detector = try FaceDetector(weights: weights) } catch {
      throw PipelineError.stage(stage: context.stageID, message: "cannot load the face detector \(weights.path): \(error)")
    }
    let options = FaceDetectionOptions(
      minFace: context.double("min_face"), thresholds: thresholds(context.string("thresholds")) ?? [0.6, 0.7, 0.7],
      maxFaces: context.int("max_faces"), refineLandmarks: context.bool("refine_landmarks"))
    let maxSide = context.int("max_side")
    let images = context.bool("record") ? context.catalog.map { CatalogImages(catalog: $0, stage: context.stageID) } : nil
    let detectorName = "mtcnn:" + ((try? FileHashes.shared.hex(weights)).map { String($0.prefix(12)) } ?? "?")
    return .expand { item in
      let photo = try item.image(in: context.stageID)
      let faces: [ItemFace]
      do {
        faces = try detect(photo, detector: detector, options: options, maxSide: maxSide, origin: item.origin)
      } catch {
        throw PipelineError.item(stage: context.stageID, item: item.id, message: "face detection failed: \(error)")
      }
      // Only photos from files have a catalog image to record against.
      if let images, item.origin != nil {
        let image = try images.resolve(item)
        try images.catalog.recordFaceScan(
          FaceScan(
            imageID: image.id, detector: detectorName, width: photo.width, height: photo.height,
            faces: faces.map(\.record), runID: context.runID))
      }
      return Expansion(outputs: faces.map { Expansion.Output(face: $0) }, note: faces.isEmpty ? "no face found" : nil)
    }
  }

  /// The faces of `photo` in its own pixels, searched at most `maxSide` pixels long.
  static func detect(
    _ photo: VipsImage, detector: FaceDetector, options: FaceDetectionOptions, maxSide: Int, origin: URL?
  ) throws -> [ItemFace] {
    let longer = max(photo.width, photo.height)
    var scan = photo
    if longer > maxSide {
      let scale = Double(maxSide) / Double(longer)
      scan = try photo.resized(
        width: max(1, Int((Double(photo.width) * scale).rounded())),
        height: max(1, Int((Double(photo.height) * scale).rounded()))
      ).materialised()
    }
    // Per axis: the scaled size is rounded, so the two factors differ slightly.
    let sx = Double(photo.width) / Double(scan.width), sy = Double(photo.height) / Double(scan.height)
    return try detector.detect(scan, options: options).enumerated().map { k, found in
      ItemFace(
        index: k,
        box: .init(x0: found.box.x0 * sx, y0: found.box.y0 * sy, x1: found.box.x1 * sx, y1: found.box.y1 * sy),
        score: found.score,
        landmarks: try FaceLandmarks(points: found.landmarks.points.map { ImagePoint(x: $0.x * sx, y: $0.y * sy) }),
        photoWidth: photo.width, photoHeight: photo.height, origin: origin)
    }
  }

  /// Three thresholds in 0…1 from "0.6,0.7,0.7", or nil.
  static func thresholds(_ text: String) -> [Double]? {
    let values = text.split(separator: ",").map { Double($0.trimmingCharacters(in: .whitespaces)) }
    guard values.count == 3, values.allSatisfy({ $0.map { (0...1).contains($0) } ?? false }) else { return nil }
    return values.compactMap { $0 }
  }

  /// The weights file's hash (part of every cache key after `detect`).
  @Sendable static func weightsHash(_ parameters: [String: ParameterValue]) throws -> String {
    guard let path = parameters["weights"]?.stringValue else { return "" }
    let url =
      path.hasPrefix("/")
      ? URL(fileURLWithPath: path) : URL(fileURLWithPath: FileManager.default.currentDirectoryPath).appendingPathComponent(path)
    return (try? FileHashes.shared.hex(url)).map { "mtcnn:" + $0 } ?? "missing:" + path
  }
}

extension ItemFace {
  /// The face as the catalog stores it.
  var record: FaceRecord {
    FaceRecord(
      faceIndex: index, x0: box.x0, y0: box.y0, x1: box.x1, y1: box.y1, score: score,
      landmarks: landmarks.points.flatMap { [$0.x, $0.y] })
  }
}
