import ArgumentParser
import Foundation
import MorphImaging
import MorphModels

/// `morph eval detection`: the face detector's recall, false positives and landmark error on a
/// collage of real and synthetic faces, and O-Net's split of skimage's lfw_subset.
struct EvalDetectionCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "detection",
    abstract: "Score the MTCNN face detector on a collage set with known boxes and landmarks.",
    discussion: """
      Builds --canvases 640×480 canvases (3–5 faces each: the real photos' faces and synthetic \
      faces, at random scales, positions and rotations up to 12°, deterministic for --seed), \
      detects faces on each and reports recall (IoU ≥ 0.5), false positives per canvas, recall \
      at one false positive per 10 canvases, and the landmark error over the inter-ocular \
      distance; then O-Net's verdicts on lfw_subset's 100 faces and 100 non-faces when \
      python3-skimage is installed.
      """)

  @Option(help: "Number of canvases.") var canvases: Int = 50
  @Option(help: "Seed of the collage set.") var seed: UInt64 = 1
  @Option(help: "MTCNN weights.") var weights: String = "Fixtures/models/mtcnn.safetensors"
  @Option(help: "Folder of the real photos.") var photos: String = "Fixtures/photos"
  @Option(help: "Reference detections of the real photos (their ground truth).")
  var reference: String = "Fixtures/golden/mtcnn-detections.json"
  @Option(help: "skimage's lfw_subset.npy (skipped with a note when missing).")
  var lfw: String = DetectionEvaluation.debianLFWSubset.path
  @Option(help: "Write the report as JSON here too.") var report: String?

  func run() throws {
    guard canvases > 0 else { throw ValidationError("--canvases must be positive") }
    let detector = try FaceDetector(weights: URL(fileURLWithPath: weights))
    let real = try DetectionEvaluation.referenceFaces(photos: URL(fileURLWithPath: photos), reference: URL(fileURLWithPath: reference))
    if real.isEmpty { print("note: no real faces found in \(photos) for \(reference); the collage is synthetic only") }
    let lfwURL = URL(fileURLWithPath: lfw)
    let haveLFW = FileManager.default.fileExists(atPath: lfwURL.path)
    if !haveLFW { print("note: \(lfw) is missing (apt-get install python3-skimage); lfw_subset split skipped") }
    var evaluation = DetectionEvaluation()
    evaluation.canvases = canvases
    evaluation.seed = seed
    let start = Date()
    let r = try evaluation.run(detector: detector, realFaces: real, lfw: haveLFW ? lfwURL : nil) { done in
      guard done % 10 == 0 || done == canvases else { return }
      let elapsed = Date().timeIntervalSince(start)
      let eta = elapsed / Double(done) * Double(canvases - done)
      FileHandle.standardError.write(
        "\r\(done)/\(canvases) canvases, \(String(format: "%.1f", Double(done) / elapsed)) canvases/s, ETA \(Int(eta)) s".data(using: .utf8)!)
    }
    FileHandle.standardError.write("\n".data(using: .utf8)!)
    func pct(_ v: Double) -> String { String(format: "%.1f %%", 100 * v) }
    print("canvases \(r.canvases) (seed \(r.seed)), faces \(r.faces) (\(r.realFaces) real, \(r.syntheticFaces) synthetic)")
    print("recall (IoU ≥ 0.5)               \(pct(r.recall))  (real \(pct(r.realRecall)), synthetic \(pct(r.syntheticRecall)))")
    print("false positives                  \(r.falsePositives) (\(String(format: "%.2f", r.falsePositivesPerCanvas)) per canvas)")
    print("recall at ≤ 1 FP per 10 canvases \(pct(r.recallAtOneFalsePositivePer10Canvases)) (score cut \(String(format: "%.4f", r.scoreCutForFalsePositiveBudget)))")
    print(
      "landmark error / inter-ocular    mean \(pct(r.landmarkErrorMean)), median \(pct(r.landmarkErrorMedian)), max \(pct(r.landmarkErrorMax)) (real \(pct(r.realLandmarkErrorMean)), synthetic \(pct(r.syntheticLandmarkErrorMean)))")
    func offsets(_ b: [[Double]]) -> String {
      zip(["eyes", "", "nose", "mouth", ""], b).map { name, o in
        (name.isEmpty ? "" : name + " ") + String(format: "%+.1f/%+.1f", 100 * o[0], 100 * o[1])
      }.joined(separator: ", ")
    }
    print("mean offset along/across, %      real: \(offsets(r.realLandmarkBias))")
    print("                                 synthetic: \(offsets(r.syntheticLandmarkBias))")
    print("synthetic error without offsets  \(pct(r.syntheticLandmarkErrorUnbiased))")
    if let l = r.lfw {
      print("lfw_subset, O-Net > t2           faces \(l.facesAccepted)/\(l.faces) accepted, non-faces \(l.nonFacesAccepted)/\(l.nonFaces) accepted")
    }
    print("time \(String(format: "%.1f", r.seconds)) s")
    if let report {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
      try AtomicFile.write(encoder.encode(r), to: URL(fileURLWithPath: report))
      print("report written to \(report)")
    }
  }
}
