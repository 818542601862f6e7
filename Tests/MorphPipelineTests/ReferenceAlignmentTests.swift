import Foundation
import MorphImaging
import MorphModels
import MorphPipeline
import XCTest

/// A reference is aligned by its own rule — its sidecar, its dataset's landmark list, or the
/// face detector — not by the sources' items (issue 40: a landmarks-mode run failed whole when
/// the reference, lying in a CelebA folder, had no sidecar).
final class ReferenceAlignmentTests: XCTestCase {
  var folder: URL!

  override func setUp() { folder = temporaryFolder(self) }

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  var celebaFace: URL { Self.root.appendingPathComponent("Fixtures/faces/img_align_celeba/000002.jpg") }

  /// load → align (landmarks, sidecars) → encode → interpolate toward `reference`.
  func run(reference: String, align: String, detector: String? = nil) async throws -> RunReport {
    let checkpoint = folder.appendingPathComponent("tiny.safetensors")
    if !FileManager.default.fileExists(atPath: checkpoint.path) {
      try HomoInterpModel(config: .tiny(groups: ToyFaceAttribute.modelledGroups), seed: 3).save(to: checkpoint, metadata: [:])
    }
    // The source carries a sidecar, so only the reference's rule is under test.
    let faces = folder.appendingPathComponent("faces")
    if !FileManager.default.fileExists(atPath: faces.path) {
      try FileManager.default.createDirectory(at: faces, withIntermediateDirectories: true)
      try FileManager.default.copyItem(
        at: Self.root.appendingPathComponent("Fixtures/faces/img_align_celeba/000001.jpg"), to: faces.appendingPathComponent("a.jpg"))
      try #"[[70, 112], [108, 112], [89, 134], [73, 152], [107, 152]]"#.write(
        to: faces.appendingPathComponent("a.landmarks.json"), atomically: true, encoding: .utf8)
    }
    let detectorLine = detector.map { ", reference_detector: \"\($0)\"" } ?? ""
    let yaml = """
      stages:
        - { id: faces, uses: load, with: { folder: faces } }
        - { id: crop, uses: align, from: faces, with: { mode: landmarks, size: 32 } }
        - { id: latents, uses: homointerp.encode, from: crop, with: { checkpoint: "\(checkpoint.path)", store: false } }
        - id: moved
          uses: homointerp.interpolate
          from: latents
          with: { checkpoint: "\(checkpoint.path)", reference: "\(reference)", reference_align: \(align)\(detectorLine) }
      """
    let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "r.yaml"))
    return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
  }

  func failures(_ report: RunReport) -> String { report.outcome.failures.map(\.message).joined(separator: "\n") }

  func testLandmarksReferenceInACelebAFolderUsesTheDatasetsLandmarkList() async throws {
    XCTAssertFalse(FileManager.default.fileExists(atPath: celebaFace.deletingPathExtension().path + ".landmarks.json"))
    let report = try await run(reference: celebaFace.path, align: "landmarks", detector: "none.safetensors")
    XCTAssertEqual(report.status, .succeeded, report.summary)
  }

  func testKaggleLayoutListAndTheRulesTriedWhenAllFail() throws {
    // Kaggle: images nested one level deeper, the list as CSV at the top.
    let kaggle = folder.appendingPathComponent("celeba/img_align_celeba/img_align_celeba")
    try FileManager.default.createDirectory(at: kaggle, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: celebaFace, to: kaggle.appendingPathComponent("000002.jpg"))
    try """
      image_id,lefteye_x,lefteye_y,righteye_x,righteye_y,nose_x,nose_y,leftmouth_x,leftmouth_y,rightmouth_x,rightmouth_y
      000002.jpg,69,110,106,113,77,142,73,152,108,154
      """.write(to: folder.appendingPathComponent("celeba/list_landmarks_align_celeba.csv"), atomically: true, encoding: .utf8)
    guard case .success(let found) = try LandmarkLookup.find(forImage: kaggle.appendingPathComponent("000002.jpg")) else {
      return XCTFail("not found in the Kaggle list")
    }
    XCTAssertEqual(found.rule, "list_landmarks_align_celeba.csv")
    XCTAssertEqual(found.landmarks.nose, ImagePoint(x: 77, y: 142))

    let alone = folder.appendingPathComponent("alone")
    try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: celebaFace, to: alone.appendingPathComponent("ref.jpg"))
    guard case .failure(let missing) = try LandmarkLookup.find(forImage: alone.appendingPathComponent("ref.jpg")) else {
      return XCTFail("found landmarks for an image without any")
    }
    XCTAssertTrue(missing.description.hasPrefix("no landmarks for ref.jpg: tried a sidecar (ref.landmarks.json or ref.landmarks.csv); a dataset landmark list (no list_landmarks_align_celeba.csv or list_landmarks_align_celeba.txt in "), missing.description)
  }

  func testEveryRuleFailingSaysWhichWereTried() async throws {
    let alone = folder.appendingPathComponent("alone")
    try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: celebaFace, to: alone.appendingPathComponent("ref.jpg"))
    let report = try await run(reference: "alone/ref.jpg", align: "landmarks", detector: "none.safetensors")
    XCTAssertEqual(report.status, .failed)
    let message = failures(report)
    XCTAssertTrue(message.contains("cannot align this reference (reference_align: landmarks): tried a sidecar (ref.landmarks.json or ref.landmarks.csv); a dataset landmark list ("), message)
    XCTAssertTrue(message.contains("; the face detector (no weights at \(folder.path)/none.safetensors, reference_detector)"), message)
  }

  func testDetectedReferenceIsFoundByTheDetector() async throws {
    let alone = folder.appendingPathComponent("alone")
    try FileManager.default.createDirectory(at: alone, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: celebaFace, to: alone.appendingPathComponent("ref.jpg"))
    let weights = Self.root.appendingPathComponent("Fixtures/models/mtcnn.safetensors").path
    let report = try await run(reference: "alone/ref.jpg", align: "detected", detector: weights)
    XCTAssertEqual(report.status, .succeeded, report.summary)
    // And in landmarks mode, the detector is the last rule when the weights are there.
    let fallback = try await run(reference: "alone/ref.jpg", align: "landmarks", detector: weights)
    XCTAssertEqual(fallback.status, .succeeded, fallback.summary)
  }
}
