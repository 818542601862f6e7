import Foundation
import MorphImaging

/// The detection benchmark of issue 34: faces detected in 640×480 photos per second, the same
/// PNG files read by Morph and by the facenet-pytorch anchor (`bench/mtcnn_anchor.py`).
public enum DetectionBenchmark {
  public static let width = 640
  public static let height = 480

  /// Writes `count` 640×480 PNG photos into `folder`: the real photos scaled to cover the
  /// frame and centre-cropped, then collage canvases (3–5 real and synthetic faces each).
  /// Returns the files written.
  @discardableResult
  public static func makePhotos(count: Int, folder: URL, photos: URL, reference: URL, seed: UInt64 = 1) throws -> [URL] {
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    let real = try DetectionEvaluation.referenceFaces(photos: photos, reference: reference)
    let template = DetectionEvaluation.boxTemplate(real)
    var names: [String] = []
    for name in ["grace_hopper.jpg", "astronaut.jpg", "camera.png"] {
      let url = photos.appendingPathComponent(name)
      if FileManager.default.fileExists(atPath: url.path) { names.append(name) }
    }
    var written: [URL] = []
    for i in 0..<count {
      let image: VipsImage
      if i < names.count {
        let source = try VipsImage.load(photos.appendingPathComponent(names[i])).srgb8()
        let scale = Swift.max(Double(width) / Double(source.width), Double(height) / Double(source.height))
        let w = Swift.max(width, Int((Double(source.width) * scale).rounded())), h = Swift.max(height, Int((Double(source.height) * scale).rounded()))
        image = try source.resized(width: w, height: h).crop(left: (w - width) / 2, top: (h - height) / 2, width: width, height: height)
      } else {
        let canvas = DetectionCollage().canvas(seed: seed, index: i, real: real) {
          DetectionEvaluation.syntheticFace(seed: seed, index: $0, template: template)
        }
        image = try VipsImage(pixels: canvas.pixels, width: canvas.width, height: canvas.height)
      }
      // `save` writes atomically (AtomicFile).
      let url = folder.appendingPathComponent(String(format: "photo-%03d.png", i))
      try image.save(to: url)
      written.append(url)
    }
    return written
  }

  /// What one timing run measured.
  public struct Result: Sendable {
    public var photos: Int
    public var passes: Int
    public var seconds: Double
    public var facesPerPass: Int
    public var photosPerSecond: Double { Double(photos * passes) / Swift.max(seconds, 1e-9) }
  }

  /// Decodes every PNG of `folder`, then times `passes` passes of detection over all of them
  /// (after one untimed warm-up photo). Decoding is not timed, as in the anchor.
  public static func run(detector: FaceDetector, folder: URL, passes: Int) throws -> Result {
    let files = try FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)
      .filter { $0.pathExtension == "png" && !$0.lastPathComponent.hasPrefix(".") }
      .sorted { $0.lastPathComponent < $1.lastPathComponent }
    guard !files.isEmpty else { throw FaceDetectionError.invalidOptions(reason: "\(folder.path) holds no .png photos") }
    let images = try files.map { url -> (pixels: [UInt8], width: Int, height: Int) in
      let image = try VipsImage.load(url).srgb8()
      return (try image.pixels(), image.width, image.height)
    }
    _ = try detector.detect(rgb: images[0].pixels, width: images[0].width, height: images[0].height)
    var faces = 0
    let start = Date()
    for pass in 0..<passes {
      for image in images {
        let found = try detector.detect(rgb: image.pixels, width: image.width, height: image.height)
        if pass == 0 { faces += found.count }
      }
    }
    return Result(photos: images.count, passes: passes, seconds: Date().timeIntervalSince(start), facesPerPass: faces)
  }
}
