/// Errors of the face detector; each names the file or input and says what to do.
public enum FaceDetectionError: Error, CustomStringConvertible, Equatable {
  case missingWeights(path: String)
  case badWeights(path: String, reason: String)
  case unsupportedImage(reason: String)
  case invalidOptions(reason: String)

  public var description: String {
    switch self {
    case .missingWeights(let p):
      return "\(p): no MTCNN weights there; they ship as Fixtures/models/mtcnn.safetensors (scripts/convert-mtcnn.py rebuilds them)"
    case .badWeights(let p, let r):
      return "\(p): not usable as MTCNN weights: \(r); rebuild them with scripts/convert-mtcnn.py"
    case .unsupportedImage(let r):
      return "face detection needs an 8-bit image with 3 bands (sRGB): \(r)"
    case .invalidOptions(let r):
      return "invalid face detection options: \(r)"
    }
  }
}
