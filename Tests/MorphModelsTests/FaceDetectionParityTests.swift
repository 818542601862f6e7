import Foundation
import MorphImaging
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// Paths of the face detector's committed fixtures.
enum FaceDetectionFixtures {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()
  static let weights = root.appendingPathComponent("Fixtures/models/mtcnn.safetensors")
  static let photos = root.appendingPathComponent("Fixtures/photos")
  static let golden = root.appendingPathComponent("Fixtures/golden")
  static let photoNames = ["grace_hopper.jpg", "astronaut.jpg", "camera.png"]

  /// One detector for all tests (loading it reads 2 MB).
  static let detector: FaceDetector? = try? FaceDetector(weights: weights)

  /// A photo as interleaved 8-bit RGB (grey photos replicated into three bands).
  static func rgb(_ name: String) throws -> (pixels: [UInt8], width: Int, height: Int) {
    let image = try VipsImage.load(photos.appendingPathComponent(name)).srgb8()
    return (try image.pixels(), image.width, image.height)
  }
}

/// Parity with facenet-pytorch 2.6.0 (goldens by `scripts/make-golden-mtcnn.py`): the three
/// networks on fixed inputs within 1e-4, and the whole detector's boxes (IoU ≥ 0.9), scores and
/// landmarks (within 2 px) on the real photos.
final class FaceDetectionParityTests: XCTestCase {
  func detector() throws -> FaceDetector {
    try XCTUnwrap(FaceDetectionFixtures.detector, "Fixtures/models/mtcnn.safetensors did not load")
  }

  private func assertWithin(_ a: Tensor, _ b: Tensor, _ tolerance: Float, _ what: String, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, what, line: line)
    let err = zip(a.scalars, b.scalars).map { Swift.abs($0 - $1) }.max() ?? .infinity
    XCTAssertLessThanOrEqual(err, tolerance, "\(what): max |Δ| \(err)", line: line)
  }

  func testNetworksMatchPyTorchWithin1e4() throws {
    let g = try Safetensors.read(FaceDetectionFixtures.golden.appendingPathComponent("mtcnn-nets.safetensors"))
    let nets = try detector().networks
    let p = nets.pnet(try g.tensor("pnet.input"))
    assertWithin(p.regression, try g.tensor("pnet.regression"), 1e-4, "P-Net regression")
    assertWithin(p.probabilities, try g.tensor("pnet.probabilities"), 1e-4, "P-Net probabilities")
    let r = nets.rnet(try g.tensor("rnet.input"))
    assertWithin(r.regression, try g.tensor("rnet.regression"), 1e-4, "R-Net regression")
    assertWithin(r.probabilities, try g.tensor("rnet.probabilities"), 1e-4, "R-Net probabilities")
    let o = nets.onet(try g.tensor("onet.input"))
    assertWithin(o.regression, try g.tensor("onet.regression"), 1e-4, "O-Net regression")
    assertWithin(o.landmarks, try g.tensor("onet.landmarks"), 1e-4, "O-Net landmarks")
    assertWithin(o.probabilities, try g.tensor("onet.probabilities"), 1e-4, "O-Net probabilities")
  }

  /// P-Net run as two stitched bands equals P-Net over the whole image.
  func testBandedProposalNetworkEqualsWholeImage() throws {
    let photo = try FaceDetectionFixtures.rgb("astronaut.jpg")
    let cascade = MTCNNCascade(networks: try detector().networks, options: .init())
    try photo.pixels.withUnsafeBufferPointer { buffer in
      let image = MTCNNImage(pixels: buffer, width: photo.width, height: photo.height)
      let hs = 308, ws = 308
      XCTAssertNotNil(MTCNNCascade.bandHeight(hs))
      let banded = cascade.pnetCells(image, height: hs, width: ws)
      var input = [Float](repeating: 0, count: 3 * hs * ws)
      var scratch = [Float](repeating: 0, count: 3 * ws)
      input.withUnsafeMutableBufferPointer { out in
        scratch.withUnsafeMutableBufferPointer { s in
          image.resample((0, 0, photo.width, photo.height), toHeight: hs, width: ws, into: out.baseAddress!, scratch: s.baseAddress!)
        }
      }
      let whole = cascade.networks.pnet(Tensor(shape: [1, 3, hs, ws], scalars: input))
      XCTAssertEqual(banded.rows, whole.probabilities.shape[2])
      XCTAssertEqual(banded.columns, whole.probabilities.shape[3])
      let plane = banded.rows * banded.columns
      let face = Tensor(shape: [plane], scalars: Array(whole.probabilities.scalars[plane..<(2 * plane)]))
      assertWithin(Tensor(shape: [plane], scalars: banded.probabilities), face, 1e-5, "banded probabilities")
      assertWithin(Tensor(shape: [4 * plane], scalars: banded.regression), whole.regression.reshape([4 * plane]), 1e-5, "banded regression")
      XCTAssertGreaterThan(banded.probabilities.max() ?? 0, 0.6, "the astronaut's face should light up P-Net")
    }
  }

  struct GoldenFace: Decodable {
    var box: [Double]
    var score: Double
    var landmarks: [[Double]]
  }
  struct GoldenPhoto: Decodable {
    var width: Int
    var height: Int
    var faces: [GoldenFace]
  }
  struct GoldenFile: Decodable { var photos: [String: GoldenPhoto] }

  /// The three photos side by side, top-aligned, black below (the golden script's "trio").
  func trio() throws -> (pixels: [UInt8], width: Int, height: Int) {
    let photos = try FaceDetectionFixtures.photoNames.map { try FaceDetectionFixtures.rgb($0) }
    let width = photos.reduce(0) { $0 + $1.width }, height = photos.map(\.height).max() ?? 0
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    var x0 = 0
    for p in photos {
      for y in 0..<p.height {
        let dst = (y * width + x0) * 3
        pixels.replaceSubrange(dst..<(dst + p.width * 3), with: p.pixels[(y * p.width * 3)..<((y + 1) * p.width * 3)])
      }
      x0 += p.width
    }
    return (pixels, width, height)
  }

  func testDetectorMatchesFacenetPyTorchOnRealPhotos() throws {
    let data = try Data(contentsOf: FaceDetectionFixtures.golden.appendingPathComponent("mtcnn-detections.json"))
    let golden = try JSONDecoder().decode(GoldenFile.self, from: data)
    let detector = try detector()
    XCTAssertEqual(golden.photos.count, 4)
    var matched = 0
    for (name, expected) in golden.photos.sorted(by: { $0.key < $1.key }) {
      let photo = name == "trio" ? try trio() : try FaceDetectionFixtures.rgb(name)
      XCTAssertEqual([photo.width, photo.height], [expected.width, expected.height], name)
      // facenet-pytorch's cascade exactly: Morph's second landmark reading off.
      let faces = try detector.detect(
        rgb: photo.pixels, width: photo.width, height: photo.height, options: .init(refineLandmarks: false))
      let refined = try detector.detect(rgb: photo.pixels, width: photo.width, height: photo.height)
      XCTAssertEqual(refined.map(\.box), faces.map(\.box), "\(name): refinement moves landmarks only")
      for (a, b) in zip(refined, faces) {
        // The second reading moves each point by a few per cent of the eye distance at most.
        let iod = Foundation.hypot(b.landmarks.rightEye.x - b.landmarks.leftEye.x, b.landmarks.rightEye.y - b.landmarks.leftEye.y)
        let moved = zip(a.landmarks.points, b.landmarks.points).map { Foundation.hypot($0.x - $1.x, $0.y - $1.y) }.max() ?? 0
        XCTAssertLessThan(moved / iod, 0.12, "\(name): refined landmarks moved \(moved) px (eye distance \(iod))")
        XCTAssertGreaterThan(moved, 0, "\(name): refinement changed nothing")
      }
      XCTAssertEqual(faces.count, expected.faces.count, "\(name): \(faces.map(\.box))")
      XCTAssertEqual(faces.map(\.score), faces.map(\.score).sorted(by: >), "\(name): best score first")
      for g in expected.faces {
        let box = FaceBox(x0: g.box[0], y0: g.box[1], x1: g.box[2], y1: g.box[3])
        guard let face = faces.max(by: { $0.box.iou(box) < $1.box.iou(box) }) else {
          XCTFail("\(name): no face found for \(g.box)")
          continue
        }
        XCTAssertGreaterThanOrEqual(face.box.iou(box), 0.9, "\(name): \(face.box) vs \(g.box)")
        XCTAssertEqual(face.score, g.score, accuracy: 1e-3, name)
        // The reference's points sorted into CelebA's convention (eyes and mouth corners by x).
        var pts = g.landmarks.map { ImagePoint(x: $0[0], y: $0[1]) }
        if pts[0].x > pts[1].x { pts.swapAt(0, 1) }
        if pts[3].x > pts[4].x { pts.swapAt(3, 4) }
        for (a, b) in zip(face.landmarks.points, pts) {
          XCTAssertLessThanOrEqual(Foundation.hypot(a.x - b.x, a.y - b.y), 2, "\(name): landmark \(a) vs \(b)")
        }
        XCTAssertLessThan(face.landmarks.leftEye.x, face.landmarks.rightEye.x)
        matched += 1
      }
    }
    XCTAssertEqual(matched, 6)
  }

  func testVipsEntryPointAndMaxFaces() throws {
    let image = try VipsImage.load(FaceDetectionFixtures.photos.appendingPathComponent("camera.png"))
    XCTAssertEqual(image.bands, 1, "camera.png is grey: the detector converts it")
    let faces = try detector().detect(image)
    XCTAssertEqual(faces.count, 1)
    let t = try trio()
    let top = try detector().detect(rgb: t.pixels, width: t.width, height: t.height, options: .init(maxFaces: 2))
    XCTAssertEqual(top.count, 2)
  }

  func testBlankImageHasNoFaces() throws {
    let faces = try detector().detect(rgb: [UInt8](repeating: 128, count: 200 * 150 * 3), width: 200, height: 150)
    XCTAssertEqual(faces, [])
    // Smaller than one 12-pixel cell at the first scale: no pyramid at all, no error.
    XCTAssertEqual(try detector().detect(rgb: [0, 0, 0], width: 1, height: 1), [])
  }

  func testWeightErrorsNameTheFile() throws {
    let missing = URL(fileURLWithPath: "/nonexistent/mtcnn.safetensors")
    XCTAssertThrowsError(try FaceDetector(weights: missing)) { error in
      XCTAssertEqual(error as? FaceDetectionError, .missingWeights(path: missing.path))
      XCTAssertTrue("\(error)".contains("/nonexistent/mtcnn.safetensors"))
    }
    let other = FaceDetectionFixtures.golden.appendingPathComponent("mtcnn-nets.safetensors")
    XCTAssertThrowsError(try FaceDetector(weights: other)) { error in
      guard case .badWeights(let path, _)? = error as? FaceDetectionError else { return XCTFail("\(error)") }
      XCTAssertEqual(path, other.path)
    }
    XCTAssertThrowsError(try detector().detect(rgb: [0], width: 1, height: 1, options: .init(thresholds: [0.5])))
    // Too many pixels: refused before any work, with the limit in the message.
    XCTAssertThrowsError(try detector().detect(rgb: [UInt8](repeating: 0, count: 5000 * 4000 * 3), width: 5000, height: 4000)) { error in
      XCTAssertTrue("\(error)".contains("\(FaceDetector.maxPixels)"), "\(error)")
    }
  }
}
