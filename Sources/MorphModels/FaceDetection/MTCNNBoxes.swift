import CMorphKernels

// Candidate boxes between the cascade's stages and the operations facenet-pytorch applies to
// them (models/utils/detect_face.py): NMS, box regression, squaring (`rerec`), the clipped
// crop window (`pad`) and the area resampling of crops into network input. Box arithmetic is
// in Float, as PyTorch's float32 tensors, so truncations land on the same pixels.

/// An 8-bit interleaved RGB image borrowed for one detection.
struct MTCNNImage {
  let pixels: UnsafeBufferPointer<UInt8>
  let width: Int
  let height: Int
}

/// One candidate face: a box, its score and the regression offsets of the stage that scored it.
struct Candidate {
  var x0, y0, x1, y1: Float
  var score: Float
  var reg: (Float, Float, Float, Float) = (0, 0, 0, 0)
}

/// The NMS flavours facenet-pytorch uses.
enum NMSKind {
  /// torchvision.ops.nms: intersection over union, widths x1 − x0.
  case torchvision
  /// facenet-pytorch's nms_numpy with 'Min': intersection over the smaller area, widths
  /// x1 − x0 + 1.
  case minimumPlusOne
}

/// The candidates kept by greedy NMS at `threshold`, best score first (ties keep input order).
func nonMaximumSuppression(_ boxes: [Candidate], threshold: Float, kind: NMSKind) -> [Candidate] {
  let n = boxes.count
  guard n > 1 else { return boxes }
  let order = (0..<n).sorted { boxes[$0].score > boxes[$1].score || (boxes[$0].score == boxes[$1].score && $0 < $1) }
  var coords = [Float](repeating: 0, count: 4 * n)
  for (i, b) in boxes.enumerated() {
    coords[4 * i] = b.x0
    coords[4 * i + 1] = b.y0
    coords[4 * i + 2] = b.x1
    coords[4 * i + 3] = b.y1
  }
  let order32 = order.map { Int32($0) }
  var keep = [Int32](repeating: 0, count: n)
  var scratch = [UInt8](repeating: 0, count: n)
  let kept = morph_nms(
    coords, order32, Int32(n), threshold, kind == .minimumPlusOne ? 1 : 0, kind == .minimumPlusOne ? 1 : 0, &keep,
    &scratch)
  return keep.prefix(Int(kept)).map { boxes[Int($0)] }
}

extension Candidate {
  /// P-Net's correction (`detect_face` after the first stage): offsets scaled by x1 − x0.
  func regressedPNet() -> Candidate {
    let w = x1 - x0, h = y1 - y0
    return Candidate(x0: x0 + reg.0 * w, y0: y0 + reg.1 * h, x1: x1 + reg.2 * w, y1: y1 + reg.3 * h, score: score)
  }

  /// `bbreg`: offsets scaled by x1 − x0 + 1.
  func regressed() -> Candidate {
    let w = x1 - x0 + 1, h = y1 - y0 + 1
    return Candidate(x0: x0 + reg.0 * w, y0: y0 + reg.1 * h, x1: x1 + reg.2 * w, y1: y1 + reg.3 * h, score: score)
  }

  /// `rerec`: the square of side max(w, h) with the same centre.
  func squared() -> Candidate {
    let h = y1 - y0, w = x1 - x0
    let l = Swift.max(w, h)
    var c = self
    c.x0 = x0 + w * 0.5 - l * 0.5
    c.y0 = y0 + h * 0.5 - l * 0.5
    c.x1 = c.x0 + l
    c.y1 = c.y0 + l
    return c
  }

  /// `pad`: the pixel window [x, ex) × [y, ey) the next stage crops, the box truncated toward
  /// zero and clipped to the image (facenet-pytorch crops rows y − 1 ..< ey); nil when empty.
  func cropWindow(width: Int, height: Int) -> (x: Int, y: Int, w: Int, h: Int)? {
    guard x0.isFinite, y0.isFinite, x1.isFinite, y1.isFinite else { return nil }
    let limit = Float(1 << 24)
    func trunc(_ v: Float) -> Int { Int(Swift.max(-limit, Swift.min(limit, v)).rounded(.towardZero)) }
    let x = Swift.max(trunc(x0), 1), y = Swift.max(trunc(y0), 1)
    let ex = Swift.min(trunc(x1), width), ey = Swift.min(trunc(y1), height)
    guard ex > x - 1, ey > y - 1 else { return nil }
    return (x - 1, y - 1, ex - x + 1, ey - y + 1)
  }
}

extension MTCNNImage {
  /// Area-resamples the window `crop` to side × side normalised floats ((v − 127.5)/128) at
  /// `out` (3 planes). `scratch` holds 3·side floats.
  func resample(
    _ crop: (x: Int, y: Int, w: Int, h: Int), toHeight oh: Int, width ow: Int, into out: UnsafeMutablePointer<Float>,
    scratch: UnsafeMutablePointer<Float>
  ) {
    morph_area_resize_u8(
      pixels.baseAddress, width * 3, 3, Int32(crop.x), Int32(crop.y), Int32(crop.w), Int32(crop.h), Int32(oh), Int32(ow),
      127.5, 0.0078125, out, scratch)
  }
}
