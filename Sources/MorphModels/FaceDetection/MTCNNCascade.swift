import MorphImaging
import MorphTensor

/// One run of MTCNN's three stages over one image, step for step as facenet-pytorch's
/// `detect_face` (models/utils/detect_face.py), so that both find the same faces:
/// 1. P-Net over a pyramid of area-resampled copies (scales 12/minFace · factorⁱ while the
///    short side stays ≥ 12 px); cells scoring ≥ t₀ become 12/scale boxes (stride 2/scale);
///    NMS 0.5 per scale, NMS 0.7 over all, P-Net's regression, squared.
/// 2. Each box cropped (clipped to the image), area-resampled to 24×24 and scored by R-Net in one
///    batch; > t₁ kept, NMS 0.7, R-Net's regression, squared.
/// 3. The same at 48×48 through O-Net; > t₂ kept, landmarks read from the box before O-Net's
///    regression, then NMS 0.7 over the smaller area. With `refineLandmarks` (Morph's default,
///    not facenet-pytorch's) O-Net reads the landmarks a second time from each final box.
struct MTCNNCascade {
  let networks: MTCNNNetworks
  let options: FaceDetectionOptions

  func run(_ image: MTCNNImage) -> [DetectedFace] {
    var boxes = proposals(image)
    guard !boxes.isEmpty else { return [] }
    boxes = refine(image, boxes)
    guard !boxes.isEmpty else { return [] }
    return output(image, boxes)
  }

  // MARK: - Stage 1: P-Net over the pyramid

  /// The pyramid's scales (computed in Double as Python does).
  static func scales(width: Int, height: Int, minFace: Double, factor: Double) -> [Double] {
    let m = 12.0 / minFace
    var minl = Double(Swift.min(width, height)) * m
    var scale = m
    var result: [Double] = []
    while minl >= 12 {
      result.append(scale)
      scale *= factor
      minl *= factor
    }
    return result
  }

  func proposals(_ image: MTCNNImage) -> [Candidate] {
    let t0 = Float(options.thresholds[0])
    var all: [Candidate] = []
    for scale in Self.scales(width: image.width, height: image.height, minFace: options.minFace, factor: options.scaleFactor) {
      let hs = Int(Double(image.height) * scale + 1), ws = Int(Double(image.width) * scale + 1)
      let cells = pnetCells(image, height: hs, width: ws)
      var found: [Candidate] = []
      cells.probabilities.withUnsafeBufferPointer { prob in
        cells.regression.withUnsafeBufferPointer { reg in
          let plane = cells.rows * cells.columns
          for r in 0..<cells.rows {
            for c in 0..<cells.columns {
              let i = r * cells.columns + c
              let p = prob[i]
              guard p >= t0 else { continue }
              // generateBoundingBox: q1 = ⌊(2·cell + 1)/scale⌋, q2 = ⌊(2·cell + 12)/scale⌋ (float32).
              let s = Float(scale)
              let bx = Float(c), by = Float(r)
              found.append(
                Candidate(
                  x0: ((2 * bx + 1) / s).rounded(.down), y0: ((2 * by + 1) / s).rounded(.down),
                  x1: ((2 * bx + 12) / s).rounded(.down), y1: ((2 * by + 12) / s).rounded(.down), score: p,
                  reg: (reg[i], reg[plane + i], reg[2 * plane + i], reg[3 * plane + i])))
            }
          }
        }
      }
      all += nonMaximumSuppression(found, threshold: 0.5, kind: .torchvision)
    }
    return nonMaximumSuppression(all, threshold: 0.7, kind: .torchvision).map { $0.regressedPNet().squared() }
  }

  /// P-Net's face probability and regression planes for the image resampled to height × width.
  /// A tall enough image runs as two overlapping horizontal bands in one batch of 2, so that the
  /// engine's per-image parallelism keeps both cores busy; the bands' outputs are stitched
  /// back into exactly the rows one pass would give (P-Net is local: output row i sees input
  /// rows 2i … 2i + 11).
  func pnetCells(_ image: MTCNNImage, height hs: Int, width ws: Int) -> (
    probabilities: [Float], regression: [Float], rows: Int, columns: Int
  ) {
    let plane = hs * ws
    var input = [Float](unsafeUninitializedCapacity: 3 * plane) { buf, n in
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * ws)
      defer { scratch.deallocate() }
      if let base = buf.baseAddress {
        image.resample((0, 0, image.width, image.height), toHeight: hs, width: ws, into: base, scratch: scratch)
      }
      n = 3 * plane
    }
    let rows = Self.pnetOutputSize(hs), columns = Self.pnetOutputSize(ws)
    guard rows >= 1, columns >= 1 else { return ([], [], 0, 0) }
    if let band = Self.bandHeight(hs), ws * hs >= Self.bandingMinimumPixels {
      // Bands [0, band) and [hs − band, hs); hs − band is even, so the second band's outputs
      // start at global row (hs − band)/2.
      let start = hs - band
      var batch = [Float](repeating: 0, count: 2 * 3 * band * ws)
      for c in 0..<3 {
        for (b, top) in [0, start].enumerated() {
          let dst = (b * 3 + c) * band * ws, src = c * plane + top * ws
          batch.replaceSubrange(dst..<(dst + band * ws), with: input[src..<(src + band * ws)])
        }
      }
      input = []
      let out = networks.pnet(Tensor(shape: [2, 3, band, ws], scalars: batch))
      let bandRows = out.probabilities.shape[2]
      precondition(out.probabilities.shape[3] == columns && start / 2 + bandRows == rows, "P-Net bands do not tile the output")
      var prob = [Float](repeating: 0, count: rows * columns)
      var reg = [Float](repeating: 0, count: 4 * rows * columns)
      let p = out.probabilities.scalars, r = out.regression.scalars
      let bandPlane = bandRows * columns
      for row in 0..<rows {
        let (b, local) = row < start / 2 ? (0, row) : (1, row - start / 2)
        let src = local * columns
        prob.replaceSubrange(
          (row * columns)..<((row + 1) * columns),
          with: p[((b * 2 + 1) * bandPlane + src)..<((b * 2 + 1) * bandPlane + src + columns)])
        for k in 0..<4 {
          let s = (b * 4 + k) * bandPlane + src
          reg.replaceSubrange(((k * rows + row) * columns)..<((k * rows + row + 1) * columns), with: r[s..<(s + columns)])
        }
      }
      return (prob, reg, rows, columns)
    }
    let out = networks.pnet(Tensor(shape: [1, 3, hs, ws], scalars: input))
    let face = Array(out.probabilities.scalars[(rows * columns)..<(2 * rows * columns)])
    return (face, out.regression.scalars, rows, columns)
  }

  /// P-Net's output side for an input side: conv 3, ceil-mode pool 2, conv 3, conv 3.
  static func pnetOutputSize(_ n: Int) -> Int {
    guard n >= 3 else { return 0 }
    return Tensor.poolOutputSize(n - 2, kernel: 2, stride: 2, ceilMode: true) - 4
  }

  /// Images smaller than this run in one piece: splitting would cost more than it saves.
  static let bandingMinimumPixels = 12_000

  /// The band height for two-band P-Net over `h` rows, or nil when the image is too short:
  /// band ≥ (h + 12)/2 with h − band even, so band one's rows before the seam see only rows of
  /// full pooling windows (its last, ceil-mode window is not a window of the whole image).
  static func bandHeight(_ h: Int) -> Int? {
    var band = (h + 13) / 2
    if (h - band) % 2 != 0 { band += 1 }
    guard band < h, pnetOutputSize(band) >= 1 else { return nil }
    // Band one's valid rows use pooled rows of two conv rows each: row i reads pooled rows
    // i … i + 4, which must all lie below ⌊(band − 2)/2⌋.
    let seam = (h - band) / 2
    guard seam - 1 + 4 < (band - 2) / 2 else { return nil }
    return band
  }

  // MARK: - Stages 2 and 3: crops through R-Net and O-Net

  /// Crops each candidate's window, resampled to side × side, into one batch; returns the batch
  /// and the candidates whose window was not empty, in the same order.
  func cropBatch(_ image: MTCNNImage, _ boxes: [Candidate], side: Int) -> (Tensor, [Candidate]) {
    var kept: [Candidate] = []
    var windows: [(x: Int, y: Int, w: Int, h: Int)] = []
    for b in boxes {
      guard let w = b.cropWindow(width: image.width, height: image.height) else { continue }
      kept.append(b)
      windows.append(w)
    }
    let each = 3 * side * side
    let data = [Float](unsafeUninitializedCapacity: windows.count * each) { buf, n in
      let scratch = UnsafeMutablePointer<Float>.allocate(capacity: 3 * side)
      defer { scratch.deallocate() }
      if let base = buf.baseAddress {
        for (i, w) in windows.enumerated() { image.resample(w, toHeight: side, width: side, into: base + i * each, scratch: scratch) }
      }
      n = windows.count * each
    }
    return (Tensor(shape: [windows.count, 3, side, side], scalars: data), kept)
  }

  func refine(_ image: MTCNNImage, _ boxes: [Candidate]) -> [Candidate] {
    let (batch, kept) = cropBatch(image, boxes, side: 24)
    guard !kept.isEmpty else { return [] }
    let out = networks.rnet(batch)
    let t1 = Float(options.thresholds[1])
    let p = out.probabilities.scalars, r = out.regression.scalars
    var passed: [Candidate] = []
    for (i, b) in kept.enumerated() where p[2 * i + 1] > t1 {
      passed.append(
        Candidate(x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1, score: p[2 * i + 1], reg: (r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3])))
    }
    return nonMaximumSuppression(passed, threshold: 0.7, kind: .torchvision).map { $0.regressed().squared() }
  }

  func output(_ image: MTCNNImage, _ boxes: [Candidate]) -> [DetectedFace] {
    let (batch, kept) = cropBatch(image, boxes, side: 48)
    guard !kept.isEmpty else { return [] }
    let out = networks.onet(batch)
    let t2 = Float(options.thresholds[2])
    let p = out.probabilities.scalars, r = out.regression.scalars, l = out.landmarks.scalars
    var passed: [Candidate] = []
    var points: [[Float]] = []
    for (i, b) in kept.enumerated() where p[2 * i + 1] > t2 {
      let c = Candidate(x0: b.x0, y0: b.y0, x1: b.x1, y1: b.y1, score: p[2 * i + 1], reg: (r[4 * i], r[4 * i + 1], r[4 * i + 2], r[4 * i + 3]))
      // Landmarks as fractions of the squared box (before O-Net's regression), 1-based pixels.
      let w = c.x1 - c.x0 + 1, h = c.y1 - c.y0 + 1
      points.append((0..<5).map { w * l[10 * i + $0] + c.x0 - 1 } + (0..<5).map { h * l[10 * i + 5 + $0] + c.y0 - 1 })
      passed.append(c.regressed())
    }
    // Indices ride along through NMS in the score field's tie-breaking order.
    var indexed = passed
    for i in indexed.indices { indexed[i].reg = (Float(i), 0, 0, 0) }
    let faces = nonMaximumSuppression(indexed, threshold: 0.7, kind: .minimumPlusOne)
    var final = faces.map { points[Int($0.reg.0)] }
    if options.refineLandmarks { final = refinedLandmarks(image, faces: faces, initial: final) }
    return zip(faces, final).map { c, pts in
      DetectedFace(
        box: FaceBox(x0: Double(c.x0), y0: Double(c.y0), x1: Double(c.x1), y1: Double(c.y1)), score: Double(c.score),
        landmarks: Self.landmarks(pts))
    }
  }

  /// Each face's landmarks averaged with O-Net's second reading of them, from the face's final
  /// (regressed, squared) box. O-Net reads the points from the window R-Net proposed, which is
  /// often off-centre; the second window is centred on the face, and the mean of the two
  /// readings is closer to the truth: on the collage set's real faces the error over the
  /// inter-ocular distance falls from 6.4 % to 4.9 % (seed 1) and from 5.0 % to 4.1 % (seed 2),
  /// at the cost of one more O-Net pass per face (docs/evaluation.md).
  func refinedLandmarks(_ image: MTCNNImage, faces: [Candidate], initial: [[Float]]) -> [[Float]] {
    let windows = faces.map { Candidate(x0: $0.x0, y0: $0.y0, x1: $0.x1, y1: $0.y1, score: $0.score).squared() }
    let (batch, kept) = cropBatch(image, windows, side: 48)
    guard kept.count == windows.count else { return initial }  // a window fell outside the image
    let l = networks.onet(batch).landmarks.scalars
    return windows.enumerated().map { i, b in
      let w = b.x1 - b.x0 + 1, h = b.y1 - b.y0 + 1
      let second = (0..<5).map { w * l[10 * i + $0] + b.x0 - 1 } + (0..<5).map { h * l[10 * i + 5 + $0] + b.y0 - 1 }
      return zip(initial[i], second).map { ($0 + $1) / 2 }
    }
  }

  /// facenet-pytorch's five points (left eye, right eye, nose, left and right mouth corner, as
  /// seen in the image) as CelebA's landmarks; each pair ordered by x, CelebA's convention.
  static func landmarks(_ p: [Float]) -> MorphImaging.FaceLandmarks {
    func point(_ k: Int) -> ImagePoint { ImagePoint(x: Double(p[k]), y: Double(p[5 + k])) }
    var eyes = (point(0), point(1)), mouth = (point(3), point(4))
    if eyes.0.x > eyes.1.x { eyes = (eyes.1, eyes.0) }
    if mouth.0.x > mouth.1.x { mouth = (mouth.1, mouth.0) }
    return MorphImaging.FaceLandmarks(leftEye: eyes.0, rightEye: eyes.1, nose: point(2), leftMouth: mouth.0, rightMouth: mouth.1)
  }
}
