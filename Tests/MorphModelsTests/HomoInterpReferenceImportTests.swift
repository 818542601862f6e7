import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// Morph's import of the reference HomoInterpGAN against PyTorch: the files under
/// Fixtures/homointerpgan/ and the goldens Fixtures/golden/homointerpgan-*.safetensors were
/// written by scripts/make-golden-homointerpgan.py (the reference architecture at VGG width 4,
/// 128 px input, 8×8 latent, random weights, batch norm in eval mode).
final class HomoInterpReferenceImportTests: XCTestCase {
  typealias Part = HomoInterpReferenceImport.Part

  static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures")

  /// The reference's state dicts of one saved format (`legacy` or `zip`), read as Morph reads them.
  static func referenceFiles(_ format: String, parts: [Part] = Part.allCases) throws -> [Part: [String: Tensor]] {
    var files: [Part: [String: Tensor]] = [:]
    for part in parts {
      let url = fixtures.appendingPathComponent("homointerpgan/\(format)/\(part.fileName(label: "latest"))")
      files[part] = try TorchCheckpoint.read(url)
    }
    return files
  }

  static func golden(_ name: String) throws -> [String: Tensor] {
    try Safetensors.read(fixtures.appendingPathComponent("golden/homointerpgan-\(name).safetensors")).tensors
  }

  /// max |a − b| / max |b| ≤ tolerance, shapes equal.
  func assertClose(_ a: Tensor, _ b: Tensor, _ what: String, tolerance: Float = 1e-4, file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(a.shape, b.shape, "\(what): shape", file: file, line: line)
    guard a.shape == b.shape else { return }
    let scale = b.scalars.map(abs).max() ?? 0
    let error = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? 0
    XCTAssertGreaterThan(scale, 0, "\(what): golden is all zeros (a test that cannot fail)", file: file, line: line)
    XCTAssertLessThanOrEqual(error, tolerance * scale, "\(what): max error \(error) against scale \(scale)", file: file, line: line)
  }

  // MARK: - Parity with PyTorch

  func testImportedModelReproducesReferenceInBothFormats() throws {
    let g = try Self.golden("model")
    for format in ["legacy", "zip"] {
      let result = try HomoInterpReferenceImport.importModel(try Self.referenceFiles(format))
      let model = result.model
      XCTAssertEqual(result.notes, [], format)
      let c = model.config
      XCTAssertEqual(c.width, 4.0 / 64, format)
      XCTAssertEqual([c.imageSize, c.latentChannels, c.latentSide, c.branchCount], [128, 32, 8, 6], format)
      XCTAssertEqual(c.groups, HomoInterpReferenceImport.releasedGroups, format)
      XCTAssertEqual(c.pixelScaling, .imagenet, format)
      XCTAssertEqual(c.decoderConvBias, true, format)
      XCTAssertEqual(c.decoderTanh, false, format)
      XCTAssertEqual(c.critic, HomoInterpCriticLayout(channels: 16, affineNorm: true, finalActivation: false, scoreChannels: 16))

      let images = try XCTUnwrap(g["images"])
      let latents = try model.encode(images)
      assertClose(latents, try XCTUnwrap(g["latents"]), "\(format) encode")

      // Interpolate from the golden latents, so each comparison checks one stage only.
      let golden = try XCTUnwrap(g["latents"])
      let source = golden.narrow(axis: 0, start: 0, length: 1), reference = golden.narrow(axis: 0, start: 1, length: 1)
      let rows = try XCTUnwrap(g["strengths"])
      for k in 0..<rows.shape[0] {
        let row = Array(rows.scalars[(k * 6)..<(k * 6 + 6)])
        let out = try model.interpolate(source: source, reference: reference, strengths: Array(row[0..<5]), residualStrength: row[5])
        assertClose(out, try XCTUnwrap(g["interpolated.\(k)"]), "\(format) interpolate \(row)")
      }

      let decoded = try XCTUnwrap(g["decoded"])
      model.decoder.eval()
      assertClose(try withoutGrad { try model.decoder(golden) }, decoded, "\(format) decoder")
      let clamped = Tensor(shape: decoded.shape, scalars: decoded.scalars.map { min(max($0, -1), 1) })
      assertClose(try model.decode(golden), clamped, "\(format) decode (clamped)")
      XCTAssertTrue(decoded.scalars.contains { abs($0) > 1 } && decoded.scalars.contains { abs($0) < 0.9 }, "the decode golden tests the clamp and the values")

      assertClose(try withoutGrad { try model.projection(golden) }, try XCTUnwrap(g["projected"]), "\(format) KGTransform")
      let h = try withoutGrad { try model.critic.features(golden) }
      assertClose(try withoutGrad { try model.critic.score(features: h) }, try XCTUnwrap(g["critic_score"]), "\(format) discrim score")
      assertClose(try model.attributeProbabilities(golden), try XCTUnwrap(g["critic_attributes"]), "\(format) discrim attributes")
    }
  }

  func testVGG19FeaturesMatchTorchvisionToRelu51() throws {
    let g = try Self.golden("vgg19")
    let state = try TorchCheckpoint.read(Self.fixtures.appendingPathComponent("homointerpgan/vgg19.pth"))
    let features = try VGG19Teacher.features(from: state, file: "vgg19.pth")
    // Through a safetensors file, as `morph import vgg19` writes it and training reads it.
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("vgg19-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try Safetensors.write(features.stateDict().reduce(into: [:]) { $0["features." + $1.key] = $1.value }, to: url)
    let teacher = try VGG19Teacher(url: url, poolings: 4)
    XCTAssertEqual(teacher.deepChannels, 32)
    let (perceptual, deep) = try withoutGrad { try teacher.features(try XCTUnwrap(g["images"])) }
    XCTAssertEqual(perceptual.count, 4)
    for (tensor, name) in zip(perceptual, ["relu1_2", "relu2_2", "relu3_4", "relu4_4"]) {
      assertClose(tensor, try XCTUnwrap(g[name]), name)
    }
    assertClose(deep, try XCTUnwrap(g["relu5_1"]), "relu5_1")
  }

  // MARK: - Layouts the import infers or refuses

  func testWithoutResidualBranchTheStrengthsHaveOneColumnPerGroup() throws {
    var files = try Self.referenceFiles("zip", parts: [.encoder, .interpNet, .decoder])
    files[.interpNet] = files[.interpNet]?.filter { !$0.key.hasPrefix("module.branch.5.") }
    let result = try HomoInterpReferenceImport.importModel(files)
    let model = result.model
    XCTAssertEqual(model.config.interpolatorResidual, false)
    XCTAssertEqual(model.config.branchCount, 5)
    XCTAssertEqual(model.interpolator.branches.modules.count, 5)
    XCTAssertTrue(result.notes.contains { $0.hasPrefix("discrim:") } && result.notes.contains { $0.hasPrefix("KGTransform:") }, "\(result.notes)")
    let g = try Self.golden("model")
    let golden = try XCTUnwrap(g["latents"])
    let source = golden.narrow(axis: 0, start: 0, length: 1), reference = golden.narrow(axis: 0, start: 1, length: 1)
    // Rows 0, 1 and 3 leave the residual branch at 0: without it the result is the same.
    let rows = try XCTUnwrap(g["strengths"])
    for k in [0, 1, 3] {
      let row = Array(rows.scalars[(k * 6)..<(k * 6 + 5)])
      let out = try model.interpolate(source: source, reference: reference, strengths: row, residualStrength: 2)
      assertClose(out, try XCTUnwrap(g["interpolated.\(k)"]), "no residual, row \(k)")
    }
    // The configuration round-trips through checkpoint JSON.
    let json = try JSONEncoder().encode(model.config)
    XCTAssertEqual(try JSONDecoder().decode(HomoInterpConfig.self, from: json), model.config)
  }

  func testRefusesAShapeThatDoesNotFitTheEncoderWidth() throws {
    var files = try Self.referenceFiles("zip", parts: [.encoder, .interpNet, .decoder])
    files[.decoder]?["module.model.4.weight"] = Tensor.zeros([16, 24, 3, 3])
    XCTAssertThrowsError(try HomoInterpReferenceImport.importModel(files)) { error in
      XCTAssertEqual(
        error as? HomoInterpReferenceImport.ImportError,
        .shapeMismatch(part: .decoder, key: "model.4.weight", found: [16, 24, 3, 3], expected: [16, 32, 3, 3], morphName: "decoder.layers.4.weight"))
      XCTAssertTrue("\(error)".contains("'model.4.weight' has shape [16, 24, 3, 3]"), "\(error)")
    }
  }

  func testRefusesUnknownKeysMissingKeysAndBranchCounts() throws {
    let files = try Self.referenceFiles("zip", parts: [.encoder, .interpNet, .decoder])
    var extra = files
    extra[.encoder]?["module.model.features_3.conv5_2.weight"] = Tensor.zeros([32, 32, 3, 3])
    XCTAssertThrowsError(try HomoInterpReferenceImport.importModel(extra)) { error in
      XCTAssertEqual(error as? HomoInterpReferenceImport.ImportError, .unknownKey(part: .encoder, key: "model.features_3.conv5_2.weight"))
    }
    var missing = files
    missing[.decoder]?["module.model.1.running_var"] = nil
    XCTAssertThrowsError(try HomoInterpReferenceImport.importModel(missing)) { error in
      XCTAssertEqual(error as? HomoInterpReferenceImport.ImportError, .missingKey(part: .decoder, key: "model.1.running_var"))
    }
    var fewer = files
    fewer[.interpNet] = fewer[.interpNet]?.filter { !$0.key.hasPrefix("module.branch.5.") && !$0.key.hasPrefix("module.branch.4.") }
    XCTAssertThrowsError(try HomoInterpReferenceImport.importModel(fewer)) { error in
      XCTAssertTrue("\(error)".contains("has 4 branches"), "\(error)")
    }
    var none = files
    none[.decoder] = nil
    XCTAssertThrowsError(try HomoInterpReferenceImport.importModel(none)) { error in
      XCTAssertEqual(error as? HomoInterpReferenceImport.ImportError, .missingPart(.decoder))
    }
  }

  /// The reference's layout is configuration the trainer uses too: a tiny model with every
  /// reference field (no residual branch, so strengths have one column per group) trains with
  /// finite losses, critic and adversarial terms included.
  func testReferenceLayoutTrains() throws {
    let faces = FileManager.default.temporaryDirectory.appendingPathComponent("reference-layout-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: faces) }
    try ToyFaceSetWriter(seed: 4).write(count: 8, to: faces)
    var config = HomoInterpConfig.tiny(groups: [
      AttributeGroup(name: "expression", attributes: ["Smiling"]), AttributeGroup(name: "age", attributes: ["Young"]),
    ])
    config.interpolatorResidual = false
    config.imageNormalization = .imagenet
    config.decoderConvBias = true
    config.decoderTanh = false
    config.critic = .reference(channels: config.channels(256))
    var options = HomoInterpTrainingOptions()
    options.steps = 6
    options.batchSize = 4
    options.classifierSteps = 1
    options.warmupSteps = 1
    options.nCritic = 1
    options.seed = 5
    let data = try HomoInterpData(directory: faces, groups: config.groups, imageSize: config.imageSize, jitter: nil, seed: 5)
    let trainer = try HomoInterpTrainer(config: config, data: data, options: options)
    XCTAssertEqual(trainer.model.interpolator.branches.modules.count, 2)
    XCTAssertEqual(trainer.model.critic.adversarial.outChannels, 16)
    var names = Set<String>()
    for _ in 0..<6 {
      let report = try trainer.trainStep()
      for (name, value) in report.losses {
        XCTAssertTrue(value.isFinite, "\(name) at step \(report.step)")
        names.insert(name)
      }
    }
    XCTAssertTrue(names.contains("adversarial") || names.contains("critic"), "\(names.sorted())")
  }

  func testGroupsFromTheReferenceAttrSyntax() throws {
    let released = "Mouth_Slightly_Open@Smiling,Male@No_Beard@Mustache@Goatee@Sideburns,Black_Hair@Blond_Hair@Brown_Hair@Gray_Hair,Bald@Receding_Hairline@Bangs,Young"
    XCTAssertEqual(try HomoInterpReferenceImport.groups(fromAttr: released), HomoInterpReferenceImport.releasedGroups)
    XCTAssertEqual(
      try HomoInterpReferenceImport.groups(fromAttr: "Smiling,Eyeglasses@Bangs"),
      [AttributeGroup(name: "smiling", attributes: ["Smiling"]), AttributeGroup(name: "eyeglasses+bangs", attributes: ["Eyeglasses", "Bangs"])])
    for bad in ["Mustache@#No_Beard,Young", "Smiling,,Young", "Smiling,Smiling"] {
      XCTAssertThrowsError(try HomoInterpReferenceImport.groups(fromAttr: bad), bad)
    }
    // Five branches plus the residual do not fit two groups: refused naming both counts.
    let files = try Self.referenceFiles("zip", parts: [.encoder, .interpNet, .decoder])
    XCTAssertThrowsError(try HomoInterpReferenceImport.importModel(files, groups: try HomoInterpReferenceImport.groups(fromAttr: "Smiling,Young"))) {
      XCTAssertTrue("\($0)".contains("has 6 branches"), "\($0)")
    }
  }

  func testConfigWithoutTheNewFieldsIsTodaysModel() throws {
    let old = #"{"imageSize":64,"width":0.25,"poolings":3,"groups":[{"name":"age","attributes":["Young"]}]}"#
    let config = try JSONDecoder().decode(HomoInterpConfig.self, from: Data(old.utf8))
    XCTAssertEqual(config.branchCount, 2)
    XCTAssertEqual(config.pixelScaling, .symmetric)
    XCTAssertEqual(config.criticLayout, .morph(latentChannels: 128))
    let model = HomoInterpModel(config: config, seed: 1)
    XCTAssertTrue(model.decoder.layers.layers.last is Tanh)
    XCTAssertNil((model.decoder.layers.layers[0] as? Conv2d)?.bias)
    XCTAssertEqual(model.critic.adversarial.outChannels, 1)
  }
}
