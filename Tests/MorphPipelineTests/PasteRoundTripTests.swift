import Foundation
import MorphImaging
import MorphPipeline
import XCTest

/// align (mode detected) → paste back without an edit, on a photo whose faces sit at known
/// landmarks (CelebA fixture faces placed on a textured canvas): the photo comes back within
/// 40 dB and bit for bit outside the faces' masks.
final class PasteRoundTripTests: XCTestCase {
  var folder: URL!

  override func setUp() {
    folder = temporaryFolder(self)
  }

  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent()

  /// `known-faces`: test expansion giving each photo the faces at `offsets` ("x,y;x,y"): CelebA's
  /// template landmarks moved by each offset (where the test placed an aligned CelebA face).
  static let knownFaces = StageDescriptor(
    name: "known-faces", summary: "test expand", shape: .expand, input: .images, output: .images,
    parameters: [ParameterSpec("offsets", .string, "x,y;x,y")]
  ) { context in
    let offsets = context.string("offsets").split(separator: ";").map { $0.split(separator: ",").compactMap { Double($0) } }
    return .expand { item in
      guard case .image(let photo) = item.payload else { throw PipelineError.item(stage: "known-faces", item: item.id, message: "no image") }
      let faces = offsets.enumerated().map { k, o in
        let t = AffineTransform.translation(dx: o[0], dy: o[1])
        return Expansion.Output(
          face: ItemFace(
            index: k, box: .init(x0: o[0], y0: o[1], x1: o[0] + 178, y1: o[1] + 218), score: 1,
            landmarks: FaceLandmarks.celebaTemplate.transformed(by: t), photoWidth: photo.width,
            photoHeight: photo.height, origin: item.origin))
      }
      return Expansion(outputs: faces, note: faces.isEmpty ? "no face found" : nil)
    }
  }

  /// A 640 × 480 canvas with a smooth texture and two CelebA faces at (40, 60) and (380, 200).
  func makePhoto() throws -> (URL, [UInt8]) {
    let width = 640, height = 480
    var pixels = [UInt8](repeating: 0, count: width * height * 3)
    for y in 0..<height {
      for x in 0..<width {
        let i = (y * width + x) * 3
        pixels[i] = UInt8((x * 255) / width)
        pixels[i + 1] = UInt8((y * 255) / height)
        pixels[i + 2] = UInt8(128 + Int(60 * sin(Double(x + y) / 17)))
      }
    }
    for (n, offset) in [(40, 60), (380, 200)].enumerated() {
      let face = try ImageLoader().load(
        Self.root.appendingPathComponent("Fixtures/faces/img_align_celeba/00000\(n + 1).jpg"))
      let f = try face.pixels()
      for y in 0..<face.height {
        for x in 0..<face.width {
          for c in 0..<3 { pixels[((y + offset.1) * width + x + offset.0) * 3 + c] = f[(y * face.width + x) * 3 + c] }
        }
      }
    }
    let photos = folder.appendingPathComponent("photos")
    try FileManager.default.createDirectory(at: photos, withIntermediateDirectories: true)
    let url = photos.appendingPathComponent("two-faces.png")
    try VipsImage(pixels: pixels, width: width, height: height).save(to: url)
    return (url, pixels)
  }

  func testAlignDetectedThenPasteBackRestoresThePhoto() async throws {
    let (_, original) = try makePhoto()
    var registry = StageRegistry.builtIn
    registry.register(Self.knownFaces)
    let yaml = """
      stages:
        - { id: photos, uses: load, with: { folder: photos } }
        - { id: faces, uses: known-faces, from: photos, with: { offsets: "40,60;380,200" } }
        - { id: aligned, uses: align, from: faces, with: { size: 128, mode: detected } }
        - { id: pasted, uses: paste, from: aligned }
        - { id: out, uses: save, from: pasted, with: { folder: out } }
        - { id: faces_out, uses: save, from: aligned, with: { folder: out/faces } }
      """
    let graph = try RecipeValidator(registry: registry).validate(RecipeParser.parse(yaml, file: "t.yaml"), overrides: [])
    let cache = ContentCache(root: folder.appendingPathComponent(".morph/cache"))
    let plan = try Planner(cache: cache, baseDirectory: folder).plan(graph)
    let outcome = await Scheduler(plan: plan, cache: cache, baseDirectory: folder).run()
    XCTAssertEqual(outcome.status, .succeeded, "\(outcome.failures)")
    XCTAssertEqual(outcome.stages.first { $0.stage == "pasted" }?.done, 1)
    // Each face aligned onto the template is the CelebA crop of the fixture face.
    for n in 0..<2 {
      let aligned = try VipsImage.load(folder.appendingPathComponent("out/faces/two-faces-face\(n).png"))
      let crop = try Align.celebaCrop(
        ImageLoader().load(Self.root.appendingPathComponent("Fixtures/faces/img_align_celeba/00000\(n + 1).jpg")), size: 128)
      XCTAssertGreaterThan(psnr(try aligned.pixels(), try crop.pixels()), 35, "face \(n)")
    }
    let back = try VipsImage.load(folder.appendingPathComponent("out/two-faces.png"))
    XCTAssertEqual([back.width, back.height], [640, 480])
    let pixels = try back.pixels()
    let whole = psnr(pixels, original)
    XCTAssertGreaterThanOrEqual(whole, 40, "round trip PSNR \(whole) dB")
    // Outside both faces' regions (a superset of their masks) nothing changed.
    let regions = try [(40.0, 60.0), (380.0, 200.0)].map { o in
      try XCTUnwrap(
        FacePaste.region(
          of: PastedFace(
            image: try VipsImage(pixels: [UInt8](repeating: 0, count: 128 * 128 * 3), width: 128, height: 128),
            landmarks: FaceLandmarks.celebaTemplate.transformed(by: .translation(dx: o.0, dy: o.1))),
          photoWidth: 640, photoHeight: 480))
    }
    var outside = 0, changed = 0, inside = 0
    for y in 0..<480 {
      for x in 0..<640 {
        let i = (y * 640 + x) * 3
        let covered = regions.contains { x >= $0.left && x < $0.left + $0.width && y >= $0.top && y < $0.top + $0.height }
        if covered {
          if pixels[i..<(i + 3)] != original[i..<(i + 3)] { inside += 1 }
          continue
        }
        outside += 1
        if pixels[i..<(i + 3)] != original[i..<(i + 3)] { changed += 1 }
      }
    }
    XCTAssertGreaterThan(outside, 200_000)
    XCTAssertEqual(changed, 0, "pixels outside the faces changed")
    // The faces were really pasted (resampled twice, so not bit-identical everywhere).
    XCTAssertGreaterThan(inside, 100)
    print("round trip: \(String(format: "%.1f", whole)) dB over the photo; \(inside) pixels changed inside the faces' regions")
  }

  func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
    precondition(a.count == b.count)
    var sum = 0.0
    for i in a.indices {
      let d = Double(a[i]) - Double(b[i])
      sum += d * d
    }
    let mse = sum / Double(a.count)
    return mse == 0 ? .infinity : 10 * log10(255 * 255 / mse)
  }
}
