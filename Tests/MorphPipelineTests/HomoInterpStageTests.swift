import Foundation
import MorphCatalog
import MorphImaging
import MorphModels
import MorphPipeline
import MorphTensor
import XCTest

/// Catalog latent prototypes, the catalog references of `homointerp.interpolate`, and the
/// parameter checks of the HomoInterp stages.
final class HomoInterpStageTests: XCTestCase {
  /// Four images, Smiling on the first two; latents [2, 1, 1] with known values.
  func catalogWithLatents() throws -> Catalog {
    let catalog = try Catalog.inMemory()
    var data = DatasetAnnotations(name: "set", kind: "folder", root: "/nowhere")
    data.attributeNames = ["Smiling", "Male"]
    data.files = ["a.png", "b.png", "c.png", "d.png"]
    data.values = [1, 1, 1, -1, -1, 1, -1, -1]
    data.splits = [0, 0, 0, 2]
    data.identities = [nil, nil, nil, nil]
    data.contentHashes = [nil, nil, nil, nil]
    data.byteSizes = [nil, nil, nil, nil]
    try catalog.ingest(data)
    try catalog.registerModel(ModelInfo(name: "m", kind: "homointerp"))
    let values: [[Float]] = [[1, 2], [3, 4], [10, 20], [30, 60]]
    let ids = try catalog.query("Smiling OR NOT Smiling").map(\.id)
    try catalog.storeLatents(
      zip(ids, values).map { LatentInput(imageID: $0, values: $1, shape: [2, 1, 1]) }, model: "m", dtype: .float32)
    // An unlabelled photo (a folder translated earlier): its latent belongs to neither side.
    var photos = DatasetAnnotations(name: "photos", kind: "folder", root: "/elsewhere")
    photos.files = ["me.jpg"]
    photos.splits = [-1]
    photos.identities = [nil]
    photos.contentHashes = [nil]
    photos.byteSizes = [nil]
    try catalog.ingest(photos)
    let me = try XCTUnwrap(try catalog.imageID(dataset: "photos", path: "me.jpg"))
    try catalog.storeLatents([LatentInput(imageID: me, values: [1000, 1000], shape: [2, 1, 1])], model: "m", dtype: .float32)
    return catalog
  }

  func testAttributePrototypeIsMeanWithMinusMeanWithout() throws {
    let catalog = try catalogWithLatents()
    let smiling = try catalog.attributePrototype("Smiling", model: "m")
    XCTAssertEqual(smiling.shape, [2, 1, 1])
    XCTAssertEqual(smiling.direction, [2 - 20, 3 - 40])
    XCTAssertEqual([smiling.withCount, smiling.withoutCount], [2, 2])
    let male = try catalog.attributePrototype("Male AND NOT Smiling", model: "m")
    XCTAssertEqual(male.direction[0], 10 - 34.0 / 3, accuracy: 1e-5, "c vs the mean of a, b and d")
    XCTAssertEqual(male.direction[1], 20 - 22, accuracy: 1e-5)
    XCTAssertEqual(try catalog.attributePrototype("Smiling", model: "m", split: "train").direction, [2 - 10, 3 - 20])

    let first = try catalog.meanLatent(matching: "Male", model: "m", limit: 1)
    XCTAssertEqual(first.values, [1, 2])
    XCTAssertEqual(try catalog.meanLatent(matching: "Male", model: "m").values, [5.5, 11])

    XCTAssertThrowsError(try catalog.attributePrototype("Smiling OR NOT Smiling", model: "m")) { error in
      XCTAssertTrue("\(error)".contains("NOT (Smiling OR NOT Smiling)"), "\(error)")
    }
    XCTAssertThrowsError(try catalog.attributePrototype("Smiling", model: "other")) { error in
      XCTAssertTrue("\(error)".contains("other"), "\(error)")
    }
    XCTAssertThrowsError(try catalog.attributePrototype("Smilin", model: "m")) { error in
      XCTAssertTrue("\(error)".contains("Smiling"), "a misspelt attribute gets a suggestion: \(error)")
    }
  }

  /// The fixture faces ingested as a CelebA dataset and encoded with `store: true`; then the
  /// prototype edit through the pipeline must equal the same computation done by hand.
  func testPrototypeAndQueryReferencesThroughThePipeline() async throws {
    let folder = temporaryFolder(self)
    let root = HomoInterpRecipeTests.root
    try FileManager.default.copyItem(at: root.appendingPathComponent("Fixtures/faces"), to: folder.appendingPathComponent("celeba"))
    let checkpoint = folder.appendingPathComponent("tiny.safetensors")
    try HomoInterpModel(config: .tiny(groups: HomoInterpRecipeTests.groups), seed: 5).save(to: checkpoint, metadata: [:])
    func run(_ yaml: String, _ overrides: [String] = []) async throws -> RunReport {
      let graph = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "t.yaml"), overrides: overrides)
      let report = try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
      XCTAssertEqual(report.status, .succeeded, report.summary)
      return report
    }
    _ = try await run(String(contentsOf: root.appendingPathComponent("pipelines/ingest-celeba.yaml"), encoding: .utf8), ["root=celeba"])
    let encode = """
      stages:
        - { id: faces, uses: load, with: { folder: celeba/img_align_celeba } }
        - { id: crop, uses: align, from: faces, with: { mode: celeba-crop, size: 32 } }
        - { id: z, uses: homointerp.encode, from: crop, with: { checkpoint: \(checkpoint.path) } }
      """
    _ = try await run(encode)
    let catalog = try Catalog.open(at: folder.appendingPathComponent(".morph/catalog.sqlite"), create: false)
    XCTAssertEqual(try catalog.summary().latents, 8)

    let edit = """
      params: { prototype: Smiling, query: "", out: out }
      stages:
        - { id: faces, uses: load, with: { folder: celeba/img_align_celeba, limit: 1 } }
        - { id: crop, uses: align, from: faces, with: { mode: celeba-crop, size: 32 } }
        - { id: z, uses: homointerp.encode, from: crop, with: { checkpoint: \(checkpoint.path), store: false } }
        - id: moved
          uses: homointerp.interpolate
          from: z
          with:
            checkpoint: \(checkpoint.path)
            prototype: ${params.prototype}
            reference_query: ${params.query}
            n_ref: 2
            strength.expression: 1
        - { id: faces_out, uses: homointerp.decode, from: moved, with: { checkpoint: \(checkpoint.path) } }
        - { id: write, uses: save, from: faces_out, with: { folder: "${params.out}" } }
      """
    _ = try await run(edit)
    let saved = try VipsImage.load(folder.appendingPathComponent("out/000001.png")).pixels()

    // By hand: F + (mean latent of Smiling faces − mean of the others) as the reference.
    let model = try HomoInterpModel.load(from: checkpoint)
    let aligned = try Align.celebaCrop(ImageLoader().load(folder.appendingPathComponent("celeba/img_align_celeba/000001.jpg")), size: 32)
    let batch = try ImageBatchBuffer(images: [aligned], normalisation: .symmetric)
    let f = try model.encode(Tensor(shape: batch.shape, scalars: batch.data))
    let prototype = try catalog.attributePrototype("Smiling", model: "tiny")
    XCTAssertGreaterThan(prototype.withCount, 0)
    XCTAssertGreaterThan(prototype.withoutCount, 0)
    let d = Tensor(shape: [1] + prototype.shape, scalars: prototype.direction)
    var strengths = [Float](repeating: 0, count: model.config.groups.count)
    strengths[0] = 1
    let moved = try model.interpolate(source: f, reference: f + d, strengths: strengths)
    let out = try model.decode(moved)
    let expected = try ImageBatchBuffer(shape: out.shape, data: out.scalars).image(at: 0, normalisation: .symmetric).pixels()
    XCTAssertEqual(differing(saved, expected), 0)

    // The first two Smiling faces' stored latents, averaged, as the reference instead.
    // (Another folder: libvips may serve a rewritten file from its cache of loaded images.)
    _ = try await run(edit, ["prototype=", "query=Smiling", "out=out2"])
    let byQuery = try VipsImage.load(folder.appendingPathComponent("out2/000001.png")).pixels()
    let mean = try catalog.meanLatent(matching: "Smiling", model: "tiny", limit: 2)
    let reference = Tensor(shape: [1] + mean.shape, scalars: mean.values)
    let queried = try model.decode(model.interpolate(source: f, reference: reference, strengths: strengths))
    let expectedByQuery = try ImageBatchBuffer(shape: queried.shape, data: queried.scalars).image(at: 0, normalisation: .symmetric).pixels()
    XCTAssertEqual(differing(byQuery, expectedByQuery), 0)
    XCTAssertGreaterThan(differing(byQuery, saved), 0)
  }

  /// How many samples differ (arrays of pixels are too long to print).
  func differing(_ a: [UInt8], _ b: [UInt8]) -> Int {
    a.count == b.count ? zip(a, b).filter { $0 != $1 }.count : max(a.count, b.count)
  }

  /// Out-of-range strengths, malformed sweeps and bad choices are reported at line:column.
  func testBadParametersAreValidationErrorsWithLineAndColumn() throws {
    func error(_ with: String, uses: String = "homointerp.interpolate") -> String {
      let yaml = """
        stages:
          - { id: z, uses: sequence, with: { count: 1 } }
          - id: s
            uses: \(uses)
            from: z
            with:
              checkpoint: m.safetensors
              \(with)
        """
      do {
        _ = try RecipeValidator().validate(RecipeParser.parse(yaml, file: "r.yaml"))
        return "valid"
      } catch { return "\(error)" }
    }
    XCTAssertEqual(
      error("strength.expression: 2.5"), "r.yaml:8:28: parameter `strength.expression` of `homointerp.interpolate`: must be within 0…2, got 2.5")
    XCTAssertEqual(
      error("sweep: 0, 0.5, x"), "r.yaml:8:14: parameter `sweep` of `homointerp.interpolate`: `x` is not a number")
    XCTAssertEqual(
      error("sweep: 0, 3"), "r.yaml:8:14: parameter `sweep` of `homointerp.interpolate`: strength 3 is outside 0…2")
    XCTAssertEqual(
      error("strengths: expression=0.5, age"),
      "r.yaml:8:18: parameter `strengths` of `homointerp.interpolate`: `age` is not group=value")
    XCTAssertEqual(error("n_ref: 0"), "r.yaml:8:14: parameter `n_ref` of `homointerp.interpolate`: must be at least 1")
    XCTAssertEqual(
      error("residual: 2.5"), "r.yaml:8:17: parameter `residual` of `homointerp.interpolate`: must be -1 (automatic) or within 0…2, got 2.5")
    XCTAssertTrue(error("strenght.age: 1").contains("r.yaml:8:7: stage `homointerp.interpolate` has no parameter `strenght.age` (did you mean `strength.age`?)"), error("strenght.age: 1"))
    XCTAssertEqual(
      error("dtype: float64", uses: "homointerp.encode"), "r.yaml:8:14: parameter `dtype` of `homointerp.encode`: must be float16 or float32")
    // A records source cannot feed a model stage: the edge is checked too.
    XCTAssertTrue(error("sweep: 0").contains("outputs records but `s` (homointerp.interpolate) takes latents"), error("sweep: 0"))
  }
}
