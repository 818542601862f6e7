import Foundation
import MorphImaging
import MorphTensor

// MARK: - Public types

/// A face's bounding box in image pixel coordinates (x to the right, y down).
public struct FaceBox: Equatable, Sendable {
  public var x0, y0, x1, y1: Double

  public init(x0: Double, y0: Double, x1: Double, y1: Double) {
    self.x0 = x0
    self.y0 = y0
    self.x1 = x1
    self.y1 = y1
  }

  public var width: Double { x1 - x0 }
  public var height: Double { y1 - y0 }
  public var area: Double { Swift.max(0, width) * Swift.max(0, height) }

  /// Intersection over union with `other` (0 when either box is empty).
  public func iou(_ other: FaceBox) -> Double {
    let iw = Swift.max(0, Swift.min(x1, other.x1) - Swift.max(x0, other.x0))
    let ih = Swift.max(0, Swift.min(y1, other.y1) - Swift.max(y0, other.y0))
    let inter = iw * ih
    let union = area + other.area - inter
    return union > 0 ? inter / union : 0
  }
}

/// One detected face: its box, the final stage's face probability and five landmarks.
public struct DetectedFace: Equatable, Sendable {
  public var box: FaceBox
  /// O-Net's probability that the box holds a face, 0…1.
  public var score: Double
  /// CelebA's five points (leftEye is the eye with the smaller x), in image pixels.
  public var landmarks: MorphImaging.FaceLandmarks

  public init(box: FaceBox, score: Double, landmarks: MorphImaging.FaceLandmarks) {
    self.box = box
    self.score = score
    self.landmarks = landmarks
  }
}

/// What the detector looks for; the defaults are facenet-pytorch's.
public struct FaceDetectionOptions: Sendable, Equatable {
  /// Smallest face side to find, in pixels (the pyramid starts at 12 / minFace).
  public var minFace: Double = 20
  /// Score thresholds of P-Net, R-Net and O-Net.
  public var thresholds: [Double] = [0.6, 0.7, 0.7]
  /// Ratio between successive pyramid scales.
  public var scaleFactor: Double = 0.709
  /// At most this many faces, the best scores first; 0 keeps all.
  public var maxFaces: Int = 0
  /// Read each face's landmarks a second time from its final box and average the two readings
  /// (more accurate; off gives facenet-pytorch's points exactly).
  public var refineLandmarks: Bool = true

  public init(
    minFace: Double = 20, thresholds: [Double] = [0.6, 0.7, 0.7], scaleFactor: Double = 0.709, maxFaces: Int = 0,
    refineLandmarks: Bool = true
  ) {
    self.minFace = minFace
    self.thresholds = thresholds
    self.scaleFactor = scaleFactor
    self.maxFaces = maxFaces
    self.refineLandmarks = refineLandmarks
  }

  /// Throws for options the cascade cannot run with.
  func validate() throws {
    guard minFace.isFinite, minFace >= 1 else { throw FaceDetectionError.invalidOptions(reason: "min_face \(minFace) must be at least 1 pixel") }
    guard thresholds.count == 3, thresholds.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
      throw FaceDetectionError.invalidOptions(reason: "thresholds \(thresholds) must be three probabilities (P-, R-, O-Net)")
    }
    guard scaleFactor.isFinite, scaleFactor > 0.05, scaleFactor < 0.99 else {
      throw FaceDetectionError.invalidOptions(reason: "scale factor \(scaleFactor) must lie in (0.05, 0.99)")
    }
    guard maxFaces >= 0 else { throw FaceDetectionError.invalidOptions(reason: "max_faces \(maxFaces) must be 0 (all) or more") }
  }
}

// MARK: - Detector

/// MTCNN (Zhang et al. 2016) on Morph's engine, reproducing facenet-pytorch's `MTCNN.detect`:
/// an image pyramid through P-Net, refinement of the candidates by R-Net, and boxes, scores
/// and five landmarks from O-Net (see `MTCNNCascade` for the stages).
///
/// Sendable: the networks' weights are read once in `init` and never written afterwards
/// (every forward pass runs without a tape and allocates its own outputs), so concurrent
/// `detect` calls share them safely — hence `@unchecked`.
public final class FaceDetector: @unchecked Sendable {
  let networks: MTCNNNetworks

  /// Loads the weights (`Fixtures/models/mtcnn.safetensors`); throws a `FaceDetectionError`
  /// naming the file when it is missing or is not MTCNN's.
  public init(weights url: URL) throws {
    networks = try MTCNNNetworks(weights: url)
  }

  /// The largest image `detect` accepts, in pixels. P-Net's first scale (0.6 at min_face 20)
  /// keeps on the order of 100 bytes per image pixel alive (its column matrix and feature
  /// maps): 16 MP is 1–2 GB. Larger photos are an error naming this limit; downscale them
  /// first (faces in a 16 MP frame are still far above min_face).
  public static let maxPixels = 16_000_000

  /// The faces in `image`, best score first. The image should be 8-bit sRGB with 3 bands;
  /// other layouts (grey, alpha, 16-bit, CMYK) are converted to that first. Images over
  /// `maxPixels` are refused (checked before any pixel is decoded).
  public func detect(_ image: VipsImage, options: FaceDetectionOptions = .init()) throws -> [DetectedFace] {
    guard image.width * image.height <= Self.maxPixels else {
      throw FaceDetectionError.unsupportedImage(
        reason: "\(image.width)×\(image.height) is more than \(Self.maxPixels) pixels; downscale it for detection and scale the boxes back")
    }
    let rgb: VipsImage
    do { rgb = try image.srgb8() } catch { throw FaceDetectionError.unsupportedImage(reason: "\(error)") }
    guard rgb.bands == 3, rgb.isEightBit else {
      throw FaceDetectionError.unsupportedImage(reason: "\(rgb.bands) bands after conversion")
    }
    let pixels: [UInt8]
    do { pixels = try rgb.pixels() } catch { throw FaceDetectionError.unsupportedImage(reason: "\(error)") }
    return try detect(rgb: pixels, width: rgb.width, height: rgb.height, options: options)
  }

  /// The faces in interleaved 8-bit RGB pixels (`height × width × 3` bytes), best score first.
  public func detect(rgb pixels: [UInt8], width: Int, height: Int, options: FaceDetectionOptions = .init()) throws
    -> [DetectedFace]
  {
    try options.validate()
    guard width > 0, height > 0, pixels.count == width * height * 3 else {
      throw FaceDetectionError.unsupportedImage(reason: "\(pixels.count) bytes for \(width)×\(height)×3 pixels")
    }
    guard width * height <= Self.maxPixels else {
      throw FaceDetectionError.unsupportedImage(
        reason: "\(width)×\(height) is more than \(Self.maxPixels) pixels; downscale it for detection and scale the boxes back")
    }
    let cascade = MTCNNCascade(networks: networks, options: options)
    var faces = pixels.withUnsafeBufferPointer { buffer in
      cascade.run(MTCNNImage(pixels: buffer, width: width, height: height))
    }
    if options.maxFaces > 0 && faces.count > options.maxFaces { faces.removeLast(faces.count - options.maxFaces) }
    return faces
  }
}
