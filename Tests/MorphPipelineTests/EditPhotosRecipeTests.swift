import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphPipeline
import XCTest

/// `pipelines/edit-photos.yaml` end to end with the 64 px demo model and the MTCNN weights: on
/// the real photos of Fixtures/photos, and on a folder of bad inputs.
final class EditPhotosRecipeTests: XCTestCase {
  var folder: URL!

  override func setUp() {
    folder = temporaryFolder(self)
  }

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  var recipe: URL { Self.root.appendingPathComponent("pipelines/edit-photos.yaml") }
  var photos: URL { Self.root.appendingPathComponent("Fixtures/photos") }

  func run(_ overrides: [String]) async throws -> RunReport {
    let graph = try PipelineRun.load(recipe, overrides: overrides)
    return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
  }

  func stage(_ report: RunReport, _ id: String) -> (done: Int, cached: Int, failed: Int)? {
    report.outcome.stages.first { $0.stage == id }.map { ($0.done, $0.cached, $0.failed) }
  }

  func catalog() throws -> Catalog { try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite")) }

  func testEditsTheRealPhotosAndTouchesNothingOutsideTheFaces() async throws {
    let report = try await run(["output=out/e", "format=png"])
    XCTAssertEqual(report.status, .succeeded, report.summary)
    let names = try FileManager.default.contentsOfDirectory(atPath: photos.path).filter { !$0.hasSuffix(".md") }.sorted()
    XCTAssertEqual(stage(report, "faces")?.done, names.count, report.summary)
    let catalog = try catalog()
    var edited = 0
    for name in names {
      let file = photos.appendingPathComponent(name)
      let image = try catalog.resolveImage(file.path)
      let scan = try XCTUnwrap(try catalog.faceCounts(detector: detectorName()).first { $0.imageID == image.id }, name)
      let stem = (name as NSString).deletingPathExtension
      let output = folder.appendingPathComponent("out/e/photos/\(stem).png")
      guard scan.faces > 0 else {
        XCTAssertFalse(FileManager.default.fileExists(atPath: output.path), name)
        XCTAssertTrue(report.outcome.notes.contains { $0.item == name && $0.message == "no face found" }, report.summary)
        continue
      }
      edited += 1
      XCTAssertTrue(
        FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/e/before-after/\(stem).png").path), name)
      let original = try ImageLoader().load(file)
      let result = try VipsImage.load(output)
      XCTAssertEqual([result.width, result.height], [original.width, original.height], name)
      // Outside the regions the faces were pasted into, the photo is the photo.
      let faces = try XCTUnwrap(catalog.faceScan(imageID: image.id, detector: detectorName())).faces
      let regions = try pasteRegions(faces, faceSize: 256, in: original)
      let a = try original.pixels(), b = try result.pixels()
      var changedOutside = 0, changedInside = 0
      for y in 0..<original.height {
        for x in 0..<original.width {
          let i = (y * original.width + x) * 3
          let same = a[i] == b[i] && a[i + 1] == b[i + 1] && a[i + 2] == b[i + 2]
          let covered = regions.contains { x >= $0.left && x < $0.left + $0.width && y >= $0.top && y < $0.top + $0.height }
          if !same { if covered { changedInside += 1 } else { changedOutside += 1 } }
        }
      }
      XCTAssertEqual(changedOutside, 0, name)
      XCTAssertGreaterThan(changedInside, 500, "\(name): the edit changed nothing")
    }
    // The astronaut and Grace Hopper face the camera.
    XCTAssertGreaterThanOrEqual(edited, 2, report.summary)
    // A second run takes everything from the cache (the paste is cheap and redone).
    let again = try await run(["output=out/e", "format=png"])
    XCTAssertEqual(again.status, .succeeded, again.summary)
    XCTAssertEqual(stage(again, "faces")?.cached, names.count, again.summary)
    XCTAssertEqual(stage(again, "detail")?.done, 0, again.summary)
    XCTAssertEqual(stage(again, "save_photos")?.done, 0, again.summary)
  }

  func testBadInputsEachGetARecordAndTheRestOfTheFolderCompletes() async throws {
    let input = folder.appendingPathComponent("mixed")
    try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: photos.appendingPathComponent("grace_hopper.jpg"), to: input.appendingPathComponent("good.jpg"))
    // No face: a smooth grey gradient.
    let grey = (0..<(64 * 64)).flatMap { i in [UInt8](repeating: UInt8(100 + i % 64), count: 3) }
    try VipsImage(pixels: grey, width: 64, height: 64).resized(width: 400, height: 300).save(to: input.appendingPathComponent("noface.png"))
    // 12,000 × 9,000, streamed to disk by libvips (the test never holds it in memory).
    try VipsImage(pixels: [40, 80, 120, 200, 180, 160, 10, 20, 30, 90, 90, 90], width: 2, height: 2)
      .resized(width: 12_000, height: 9_000).save(to: input.appendingPathComponent("huge.jpg"), quality: 80)
    try VipsImage(pixels: [10, 200, 30], width: 1, height: 1).save(to: input.appendingPathComponent("one-pixel.png"))
    // CMYK JPEG of the same face (naive inversion; the loader converts it back to sRGB).
    let hopper = try ImageLoader().load(photos.appendingPathComponent("grace_hopper.jpg"))
    let rgb = try hopper.pixels()
    var cmyk = [UInt8](repeating: 0, count: hopper.width * hopper.height * 4)
    for p in 0..<(hopper.width * hopper.height) {
      for c in 0..<3 { cmyk[p * 4 + c] = 255 - rgb[p * 3 + c] }
    }
    try VipsImage(pixels: cmyk, width: hopper.width, height: hopper.height, bands: 4).tagged(as: .cmyk)
      .save(to: input.appendingPathComponent("cmyk.jpg"), quality: 90)
    // A JPEG cut off after 2 KB.
    let jpeg = try Data(contentsOf: photos.appendingPathComponent("grace_hopper.jpg"))
    try jpeg.prefix(2048).write(to: input.appendingPathComponent("corrupt.jpg"))

    let report = try await run(["input=mixed", "output=out/m", "format=png"])
    let summary = report.summary
    // Only the corrupt file failed, at load, naming the file.
    XCTAssertEqual(report.outcome.failures.map(\.item), ["corrupt.jpg"], summary)
    XCTAssertEqual(report.outcome.failures.first?.stage, "photos", summary)
    XCTAssertTrue(report.outcome.failures.first?.message.contains("corrupt.jpg") ?? false, summary)
    // No face in these: recorded, not errors.
    let noFace = Set(report.outcome.notes.filter { $0.message == "no face found" }.map(\.item))
    XCTAssertTrue(noFace.isSuperset(of: ["noface.png", "huge.jpg", "one-pixel.png"]), summary)
    // The faces were edited, the CMYK one too.
    for stem in ["good", "cmyk"] {
      XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/m/photos/\(stem).png").path), summary)
      XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/m/before-after/\(stem).png").path), summary)
    }
    // Every readable photo has a scan in the catalog, faces or not.
    XCTAssertEqual(try catalog().faceCounts(detector: detectorName()).count, 5, summary)
    // The 12,000 × 9,000 photo (324 MB decoded) was searched at 1600 × 1200: the whole test
    // stays within a bound well below holding several copies of it.
    let peak = peakResidentKiB()
    XCTAssertLessThan(peak, 2_500_000, "peak resident memory \(peak / 1024) MiB")
    print("bad inputs: peak resident memory \(peak / 1024) MiB; notes \(report.outcome.notes.map { "\($0.item): \($0.message)" })")
  }

  /// A 12,000 × 9,000 photo with a face in it: found on the downscaled copy, edited, and pasted
  /// back into the full-resolution photo, within a memory bound.
  func testHugePhotoWithAFaceIsEditedAtFullResolution() async throws {
    let input = folder.appendingPathComponent("huge")
    try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    // Grace Hopper ×10 on a grey 12,000 × 9,000 canvas (libvips streams it to disk).
    let hopper = try ImageLoader().load(photos.appendingPathComponent("grace_hopper.jpg"))
    let place = AffineTransform(a: 10, b: 0, c: 0, d: 10, tx: 3_000, ty: 1_000)
    try hopper.warped(by: place, width: 12_000, height: 9_000, border: .black)
      .save(to: input.appendingPathComponent("huge-face.jpg"), quality: 85)

    let report = try await run(["input=huge", "output=out/h"])
    XCTAssertEqual(report.status, .succeeded, report.summary)
    XCTAssertEqual(stage(report, "faces")?.done, 1, report.summary)
    let edited = try VipsImage.load(folder.appendingPathComponent("out/h/photos/huge-face.jpg"))  // header only
    XCTAssertEqual([edited.width, edited.height], [12_000, 9_000])
    // The face found on the 1600 × 1200 copy lies where it was put, in full-resolution pixels.
    let counts = try catalog().faceCounts(detector: detectorName())
    XCTAssertEqual(counts.map(\.faces), [1])
    let scan = try counts.first.flatMap { try catalog().faceScan(imageID: $0.imageID, detector: detectorName()) }
    XCTAssertEqual(scan.map { [$0.width, $0.height] }, [12_000, 9_000])
    if let face = scan?.faces.first {
      XCTAssertGreaterThan(face.x0, 3_000)
      XCTAssertLessThan(face.x1, 3_000 + 10 * Double(hopper.width))
      XCTAssertGreaterThan(face.x1 - face.x0, 1_000, "the face is about 2,000 px wide at full resolution: \(face)")
    }
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("out/h/before-after/huge-face.png").path))
    let peak = peakResidentKiB()
    XCTAssertLessThan(peak, 2_500_000, "peak resident memory \(peak / 1024) MiB")
    print("huge photo with a face: peak resident memory \(peak / 1024) MiB")
  }

  func testDetectAlignPasteWithoutAnEditGivesThePhotoBack() async throws {
    let input = folder.appendingPathComponent("in")
    try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    for name in ["grace_hopper.jpg", "astronaut.jpg"] {
      try FileManager.default.copyItem(at: photos.appendingPathComponent(name), to: input.appendingPathComponent(name))
    }
    let weights = Self.root.appendingPathComponent("Fixtures/models/mtcnn.safetensors").path
    // No edit: the aligned face itself goes back in place of the decoded one. Aligned at 512 px
    // so neither face is shrunk (Grace Hopper's face spans more than a 256 px crop: 38.8 dB
    // there, the detail lost by shrinking, not by the paste).
    let yaml = """
      stages:
        - { id: photos, uses: load, with: { folder: in } }
        - { id: faces, uses: detect, from: photos, with: { weights: "\(weights)" } }
        - { id: aligned, uses: align, from: faces, with: { size: 512, mode: detected } }
        - { id: pasted, uses: paste, from: aligned }
        - { id: out, uses: save, from: pasted, with: { folder: out } }
      """
    let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "t.yaml"), overrides: [])
    let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
    XCTAssertEqual(report.status, .succeeded, report.summary)
    let catalog = try catalog()
    for name in ["grace_hopper", "astronaut"] {
      let file = input.appendingPathComponent(name + ".jpg")
      let original = try ImageLoader().load(file)
      let back = try VipsImage.load(folder.appendingPathComponent("out/\(name).png"))
      let a = try original.pixels(), b = try back.pixels()
      XCTAssertEqual(a.count, b.count, name)
      var sum = 0.0
      for i in a.indices {
        let d = Double(a[i]) - Double(b[i])
        sum += d * d
      }
      let psnr = 10 * log10(255 * 255 / max(1e-12, sum / Double(a.count)))
      XCTAssertGreaterThanOrEqual(psnr, 40, "\(name): round trip \(psnr) dB")
      // Bit for bit outside the region each detected face was pasted into.
      let image = try catalog.resolveImage(file.path)
      let faces = try XCTUnwrap(catalog.faceScan(imageID: image.id, detector: detectorName())).faces
      XCTAssertGreaterThanOrEqual(faces.count, 1, name)
      let regions = try pasteRegions(faces, faceSize: 512, in: original)
      var changedOutside = 0
      for y in 0..<original.height {
        for x in 0..<original.width where !regions.contains(where: {
          x >= $0.left && x < $0.left + $0.width && y >= $0.top && y < $0.top + $0.height
        }) {
          let i = (y * original.width + x) * 3
          if a[i] != b[i] || a[i + 1] != b[i + 1] || a[i + 2] != b[i + 2] { changedOutside += 1 }
        }
      }
      XCTAssertEqual(changedOutside, 0, name)
      print("detect → align → paste round trip, \(name): \(String(format: "%.1f", psnr)) dB, \(faces.count) face(s)")
    }
  }

  func testRunsWithA128PixelCheckpoint() async throws {
    let input = folder.appendingPathComponent("in")
    try FileManager.default.createDirectory(at: input, withIntermediateDirectories: true)
    try FileManager.default.copyItem(at: photos.appendingPathComponent("astronaut.jpg"), to: input.appendingPathComponent("astronaut.jpg"))
    // A small random 128 px model: the recipe's sizes follow `size`, whatever the weights do.
    let checkpoint = folder.appendingPathComponent("models/m128.safetensors")
    let config = HomoInterpConfig(imageSize: 128, width: 1.0 / 16, poolings: 4, groups: ToyFaceAttribute.modelledGroups)
    try HomoInterpModel(config: config, seed: 5).save(to: checkpoint, metadata: ["purpose": "test"])
    let report = try await run(["input=in", "checkpoint=\(checkpoint.path)", "size=128", "detail_size=192", "output=out/h"])
    XCTAssertEqual(report.status, .succeeded, report.summary)
    XCTAssertEqual(stage(report, "edited")?.done, 1, report.summary)
    let edited = try VipsImage.load(folder.appendingPathComponent("out/h/photos/astronaut.jpg"))
    XCTAssertEqual([edited.width, edited.height], [512, 512])
    // With the demo model's size the same checkpoint is refused, naming the size to use.
    let wrong = try await run(["input=in", "checkpoint=\(checkpoint.path)", "size=64", "output=out/w"])
    XCTAssertEqual(wrong.status, .failed)
    XCTAssertTrue(wrong.summary.contains("128"), wrong.summary)
  }

  /// The detector name `detect` records faces under (the weights' hash prefix).
  /// The photo regions the faces' masks can reach, for aligned faces of `faceSize` px.
  func pasteRegions(_ faces: [FaceRecord], faceSize: Int, in photo: VipsImage) throws
    -> [(left: Int, top: Int, width: Int, height: Int)]
  {
    let blank = try VipsImage(pixels: [UInt8](repeating: 0, count: faceSize * faceSize * 3), width: faceSize, height: faceSize)
    return try faces.map { face in
      try XCTUnwrap(
        FacePaste.region(
          of: PastedFace(image: blank, landmarks: try FaceLandmarks(flat: face.landmarks)),
          photoWidth: photo.width, photoHeight: photo.height))
    }
  }

  func detectorName() throws -> String {
    "mtcnn:" + String(try SHA256.hex(fileAt: Self.root.appendingPathComponent("Fixtures/models/mtcnn.safetensors")).prefix(12))
  }

  /// Peak resident set size of this process, in KiB (Linux /proc; 0 elsewhere).
  func peakResidentKiB() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return 0 }
    for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
      return Int(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return 0
  }
}
