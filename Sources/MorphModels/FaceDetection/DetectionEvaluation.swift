import Foundation
import MorphImaging
import MorphTensor

/// The detector's accuracy (issue 34): recall and false positives on the collage set, landmark
/// error relative to the inter-ocular distance, and O-Net's faces/non-faces split on
/// skimage's `lfw_subset`.
///
/// Ground truth. Synthetic faces (`ToyFaceRenderer`) come with exact landmarks; their box is
/// the box MTCNN draws around such landmarks, as measured on the real photos' reference
/// detections (`boxTemplate`). Real faces take the reference detector's box and landmarks on
/// their source photo (facenet-pytorch, `Fixtures/golden/mtcnn-detections.json`): no human
/// annotation ships with these photos, so on them the collage measures whether the detector
/// still finds a face after rescaling, rotation and pasting, not its agreement with people.
public struct DetectionEvaluation {
  public var canvases = 50
  public var seed: UInt64 = 1
  public var options = FaceDetectionOptions()
  public var collage = DetectionCollage()

  public init() {}

  // MARK: - Report

  /// Everything one evaluation measured.
  public struct Report: Codable, Sendable, Equatable {
    public var canvases: Int
    public var seed: UInt64
    public var faces: Int
    public var realFaces: Int
    public var syntheticFaces: Int
    public var detections: Int
    public var matched: Int
    /// Share of faces found (a detection with IoU ≥ 0.5, each used once, best scores first).
    public var recall: Double
    public var realRecall: Double
    public var syntheticRecall: Double
    public var falsePositives: Int
    public var falsePositivesPerCanvas: Double
    /// Recall when only detections scoring above the cut that leaves at most one false
    /// positive per 10 canvases are kept, and that cut.
    public var recallAtOneFalsePositivePer10Canvases: Double
    public var scoreCutForFalsePositiveBudget: Double
    /// Mean over matched faces of the mean landmark distance / inter-ocular distance.
    public var landmarkErrorMean: Double
    public var landmarkErrorMedian: Double
    public var landmarkErrorMax: Double
    /// The mean landmark error on real and on synthetic faces apart.
    public var realLandmarkErrorMean: Double
    public var syntheticLandmarkErrorMean: Double
    /// The mean offset of each point (left eye, right eye, nose, left and right mouth corner)
    /// from its truth, in the face's frame (along the eyes, then across, downward) over the
    /// inter-ocular distance: a shared offset says the detector and the truth place that point
    /// differently (on the synthetic faces: MTCNN's human-face prior against a cartoon's
    /// proportions), not that it misses it.
    public var realLandmarkBias: [[Double]]
    public var syntheticLandmarkBias: [[Double]]
    /// The synthetic faces' mean error once each point's mean offset is taken away.
    public var syntheticLandmarkErrorUnbiased: Double
    public var lfw: LFWSplit?
    public var seconds: Double
  }

  /// O-Net's verdicts on lfw_subset's 100 faces and 100 non-faces (25×25 grey crops, area-
  /// resampled to 48×48, threshold t₂).
  public struct LFWSplit: Codable, Sendable, Equatable {
    public var facesAccepted: Int
    public var faces: Int
    public var nonFacesAccepted: Int
    public var nonFaces: Int
  }

  // MARK: - Face pools

  /// The real photos' faces with the reference detector's boxes and landmarks.
  public static func referenceFaces(photos: URL, reference: URL) throws -> [AnnotatedFace] {
    struct Face: Decodable { var box: [Double]; var landmarks: [[Double]] }
    struct Photo: Decodable { var width: Int; var height: Int; var faces: [Face] }
    struct File: Decodable { var photos: [String: Photo] }
    let file: File
    do { file = try JSONDecoder().decode(File.self, from: Data(contentsOf: reference)) } catch {
      throw FaceDetectionError.invalidOptions(reason: "\(reference.path): not a reference detection file (\(error))")
    }
    var result: [AnnotatedFace] = []
    for (name, photo) in file.photos.sorted(by: { $0.key < $1.key }) {
      let url = photos.appendingPathComponent(name)
      guard FileManager.default.fileExists(atPath: url.path) else { continue }
      let image = try VipsImage.load(url).srgb8()
      guard image.width == photo.width, image.height == photo.height else {
        throw FaceDetectionError.invalidOptions(
          reason: "\(url.path) is \(image.width)×\(image.height), the reference says \(photo.width)×\(photo.height)")
      }
      let pixels = try image.pixels()
      for face in photo.faces where face.box.count == 4 && face.landmarks.count == 5 {
        var pts = face.landmarks.map { ImagePoint(x: $0.count > 0 ? $0[0] : 0, y: $0.count > 1 ? $0[1] : 0) }
        if pts[0].x > pts[1].x { pts.swapAt(0, 1) }
        if pts[3].x > pts[4].x { pts.swapAt(3, 4) }
        result.append(
          AnnotatedFace(
            pixels: pixels, width: image.width, height: image.height,
            box: FaceBox(x0: face.box[0], y0: face.box[1], x1: face.box[2], y1: face.box[3]),
            landmarks: try MorphImaging.FaceLandmarks(points: pts), origin: name))
      }
    }
    return result
  }

  /// MTCNN's box relative to the landmarks, averaged over `faces`: corners in a frame with the
  /// eyes' midpoint at 0 and the eyes-to-mouth distance as unit (upright faces).
  public static func boxTemplate(_ faces: [AnnotatedFace]) -> (x0: Double, y0: Double, x1: Double, y1: Double) {
    var sum = (0.0, 0.0, 0.0, 0.0)
    for f in faces {
      let (o, unit) = frame(f.landmarks)
      sum.0 += (f.box.x0 - o.x) / unit
      sum.1 += (f.box.y0 - o.y) / unit
      sum.2 += (f.box.x1 - o.x) / unit
      sum.3 += (f.box.y1 - o.y) / unit
    }
    let n = Double(Swift.max(faces.count, 1))
    return (sum.0 / n, sum.1 / n, sum.2 / n, sum.3 / n)
  }

  static func frame(_ l: MorphImaging.FaceLandmarks) -> (ImagePoint, Double) {
    let eyes = ImagePoint(x: (l.leftEye.x + l.rightEye.x) / 2, y: (l.leftEye.y + l.rightEye.y) / 2)
    let mouth = ImagePoint(x: (l.leftMouth.x + l.rightMouth.x) / 2, y: (l.leftMouth.y + l.rightMouth.y) / 2)
    return (eyes, Swift.max(Foundation.hypot(mouth.x - eyes.x, mouth.y - eyes.y), 1e-6))
  }

  /// Synthetic face `index` of the set `seed`, its box placed by `template`.
  public static func syntheticFace(
    seed: UInt64, index: Int, template: (x0: Double, y0: Double, x1: Double, y1: Double)
  ) -> AnnotatedFace {
    let image = ToyFaceRenderer().render(ToyFaceSampler().parameters(seed: seed, index: index))
    let p = image.landmarks.points.map { ImagePoint(x: $0.x, y: $0.y) }
    let landmarks = MorphImaging.FaceLandmarks(leftEye: p[0], rightEye: p[1], nose: p[2], leftMouth: p[3], rightMouth: p[4])
    let (o, unit) = frame(landmarks)
    return AnnotatedFace(
      pixels: image.pixels, width: image.width, height: image.height,
      box: FaceBox(
        x0: o.x + template.x0 * unit, y0: o.y + template.y0 * unit, x1: o.x + template.x1 * unit,
        y1: o.y + template.y1 * unit),
      landmarks: landmarks, origin: "synthetic #\(index)")
  }

  // MARK: - Running

  /// Detects faces on every canvas and scores the detections; `lfw` (skimage's
  /// lfw_subset.npy) is optional. `progress` is called after each canvas.
  public func run(
    detector: FaceDetector, realFaces: [AnnotatedFace], lfw: URL?, progress: (Int) -> Void = { _ in }
  ) throws -> Report {
    let start = Date()
    let template = Self.boxTemplate(realFaces)
    var truthCount = 0, realCount = 0, realFound = 0, synthCount = 0, synthFound = 0
    var detections = 0
    var errors: [Double] = []
    var realErrors: [Double] = [], synthErrors: [Double] = []
    var realOffsets: [[Double]] = [], synthOffsets: [[Double]] = []
    // (score, is true positive) of every detection, for the false-positive budget.
    var scored: [(Double, Bool)] = []
    for i in 0..<canvases {
      let canvas = collage.canvas(seed: seed, index: i, real: realFaces) {
        Self.syntheticFace(seed: seed, index: $0, template: template)
      }
      let found = try detector.detect(rgb: canvas.pixels, width: canvas.width, height: canvas.height, options: options)
      detections += found.count
      var used = [Bool](repeating: false, count: canvas.faces.count)
      for face in found {
        var best = -1, bestIoU = 0.5
        for (j, t) in canvas.faces.enumerated() where !used[j] {
          let iou = face.box.iou(t.box)
          if iou >= bestIoU { best = j; bestIoU = iou }
        }
        scored.append((face.score, best >= 0))
        guard best >= 0 else { continue }
        used[best] = true
        let t = canvas.faces[best].landmarks
        let iod = Foundation.hypot(t.rightEye.x - t.leftEye.x, t.rightEye.y - t.leftEye.y)
        let d = zip(face.landmarks.points, t.points).map { Foundation.hypot($0.x - $1.x, $0.y - $1.y) }
        let error = d.reduce(0, +) / 5 / Swift.max(iod, 1e-6)
        errors.append(error)
        // Each point's offset in the face's frame, over the inter-ocular distance.
        let ux = (t.rightEye.x - t.leftEye.x) / Swift.max(iod, 1e-6), uy = (t.rightEye.y - t.leftEye.y) / Swift.max(iod, 1e-6)
        let offsets = zip(face.landmarks.points, t.points).flatMap { p, q -> [Double] in
          let dx = p.x - q.x, dy = p.y - q.y
          return [(dx * ux + dy * uy) / Swift.max(iod, 1e-6), (-dx * uy + dy * ux) / Swift.max(iod, 1e-6)]
        }
        if canvas.faces[best].origin.hasPrefix("synthetic") {
          synthErrors.append(error)
          synthOffsets.append(offsets)
        } else {
          realErrors.append(error)
          realOffsets.append(offsets)
        }
      }
      for (j, t) in canvas.faces.enumerated() {
        truthCount += 1
        if t.origin.hasPrefix("synthetic") {
          synthCount += 1
          if used[j] { synthFound += 1 }
        } else {
          realCount += 1
          if used[j] { realFound += 1 }
        }
      }
      progress(i + 1)
    }
    let matched = realFound + synthFound
    // The operating point: keep detections above the highest cut with at most canvases/10
    // false positives above it.
    let budget = canvases / 10
    var cut = 0.0, fpAbove = 0
    var recallAtBudget = Double(matched) / Double(Swift.max(truthCount, 1))
    if scored.filter({ !$0.1 }).count > budget {
      for (score, tp) in scored.sorted(by: { $0.0 > $1.0 }) where !tp {
        if fpAbove == budget {
          cut = score
          break
        }
        fpAbove += 1
      }
      recallAtBudget = Double(scored.filter { $0.1 && $0.0 > cut }.count) / Double(Swift.max(truthCount, 1))
    }
    let sortedErrors = errors.sorted()
    func meanOffsets(_ rows: [[Double]]) -> [Double] {
      rows.isEmpty ? [Double](repeating: .nan, count: 10) : (0..<10).map { k in rows.reduce(0) { $0 + $1[k] } / Double(rows.count) }
    }
    let synthBias = meanOffsets(synthOffsets)
    var unbiased: [Double] = []
    for row in synthOffsets {
      var sum = 0.0
      for k in 0..<5 { sum += Foundation.hypot(row[2 * k] - synthBias[2 * k], row[2 * k + 1] - synthBias[2 * k + 1]) }
      unbiased.append(sum / 5)
    }
    let realBias = meanOffsets(realOffsets)
    func pairs(_ v: [Double]) -> [[Double]] { (0..<5).map { [v[2 * $0], v[2 * $0 + 1]] } }
    return Report(
      canvases: canvases, seed: seed, faces: truthCount, realFaces: realCount, syntheticFaces: synthCount,
      detections: detections, matched: matched, recall: Double(matched) / Double(Swift.max(truthCount, 1)),
      realRecall: Double(realFound) / Double(Swift.max(realCount, 1)),
      syntheticRecall: Double(synthFound) / Double(Swift.max(synthCount, 1)),
      falsePositives: detections - matched, falsePositivesPerCanvas: Double(detections - matched) / Double(Swift.max(canvases, 1)),
      recallAtOneFalsePositivePer10Canvases: recallAtBudget, scoreCutForFalsePositiveBudget: cut,
      landmarkErrorMean: errors.isEmpty ? .nan : errors.reduce(0, +) / Double(errors.count),
      landmarkErrorMedian: sortedErrors.isEmpty ? .nan : sortedErrors[sortedErrors.count / 2],
      landmarkErrorMax: sortedErrors.last ?? .nan,
      realLandmarkErrorMean: realErrors.isEmpty ? .nan : realErrors.reduce(0, +) / Double(realErrors.count),
      syntheticLandmarkErrorMean: synthErrors.isEmpty ? .nan : synthErrors.reduce(0, +) / Double(synthErrors.count),
      realLandmarkBias: pairs(realBias), syntheticLandmarkBias: pairs(synthBias),
      syntheticLandmarkErrorUnbiased: unbiased.isEmpty ? .nan : unbiased.reduce(0, +) / Double(unbiased.count),
      lfw: try lfw.map { try lfwSplit(detector: detector, npy: $0) },
      seconds: Date().timeIntervalSince(start))
  }

  // MARK: - lfw_subset

  /// Where Debian's python3-skimage installs lfw_subset.npy.
  public static let debianLFWSubset = URL(fileURLWithPath: "/usr/lib/python3/dist-packages/skimage/data/lfw_subset.npy")

  /// O-Net's verdict on each of lfw_subset's 200 crops (the first 100 faces).
  public func lfwSplit(detector: FaceDetector, npy: URL) throws -> LFWSplit {
    let images = try LFWSubset.read(npy)
    let side = 48
    var batch = [Float](repeating: 0, count: images.count * 3 * side * side)
    var scratch = [Float](repeating: 0, count: 3 * side)
    for (i, grey) in images.enumerated() {
      let rgb = grey.flatMap { [$0, $0, $0] }
      rgb.withUnsafeBufferPointer { px in
        batch.withUnsafeMutableBufferPointer { out in
          scratch.withUnsafeMutableBufferPointer { s in
            guard let o = out.baseAddress, let sp = s.baseAddress else { return }
            MTCNNImage(pixels: px, width: LFWSubset.side, height: LFWSubset.side).resample(
              (0, 0, LFWSubset.side, LFWSubset.side), toHeight: side, width: side, into: o + i * 3 * side * side, scratch: sp)
          }
        }
      }
    }
    let out = detector.networks.onet(Tensor(shape: [images.count, 3, side, side], scalars: batch))
    let t2 = Float(options.thresholds[2])
    let accepted = (0..<images.count).map { out.probabilities.scalars[2 * $0 + 1] > t2 }
    let half = images.count / 2
    return LFWSplit(
      facesAccepted: accepted[..<half].filter { $0 }.count, faces: half,
      nonFacesAccepted: accepted[half...].filter { $0 }.count, nonFaces: images.count - half)
  }
}

/// Reader of skimage's lfw_subset.npy: 200 × 25 × 25 little-endian float64 in 0…1 (100 faces,
/// then 100 non-faces). Checks the header before reading any data: the file is outside input.
enum LFWSubset {
  static let side = 25
  static let count = 200

  /// The 200 crops as 8-bit grey pixels (value · 255, rounded).
  static func read(_ url: URL) throws -> [[UInt8]] {
    let expected = count * side * side * 8
    guard let attributes = try? FileManager.default.attributesOfItem(atPath: url.path),
      let size = attributes[.size] as? Int, size <= expected + 4096
    else {
      throw FaceDetectionError.invalidOptions(reason: "\(url.path): missing or larger than lfw_subset.npy (install python3-skimage)")
    }
    let data = try Data(contentsOf: url)
    let bytes = [UInt8](data)
    guard bytes.count >= 10, bytes[0] == 0x93, String(bytes: bytes[1..<6], encoding: .ascii) == "NUMPY" else {
      throw FaceDetectionError.invalidOptions(reason: "\(url.path): not a .npy file")
    }
    let major = bytes[6]
    let headerLength: Int, headerStart: Int
    if major == 1 {
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
      headerStart = 10
    } else {
      guard bytes.count >= 12 else { throw FaceDetectionError.invalidOptions(reason: "\(url.path): truncated .npy header") }
      headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
      headerStart = 12
    }
    guard headerStart + headerLength + expected == bytes.count,
      let header = String(bytes: bytes[headerStart..<(headerStart + headerLength)], encoding: .ascii)
    else {
      throw FaceDetectionError.invalidOptions(reason: "\(url.path): expected \(expected) bytes of 200×25×25 float64 data")
    }
    let compact = header.replacingOccurrences(of: " ", with: "")
    guard compact.contains("'descr':'<f8'"), compact.contains("'fortran_order':False"), compact.contains("'shape':(200,25,25)")
    else {
      throw FaceDetectionError.invalidOptions(reason: "\(url.path): header \(header) is not 200×25×25 little-endian float64")
    }
    let base = headerStart + headerLength
    return (0..<count).map { i in
      (0..<(side * side)).map { j in
        var bits: UInt64 = 0
        let o = base + (i * side * side + j) * 8
        for k in 0..<8 { bits |= UInt64(bytes[o + k]) << (8 * UInt64(k)) }
        let v = Double(bitPattern: bits)
        return UInt8(clamping: Int(((v.isFinite ? v : 0) * 255).rounded()))
      }
    }
  }
}
