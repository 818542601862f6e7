import Foundation
import MorphImaging
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

final class HomoInterpTrainingTests: XCTestCase {
  static let groups = [
    AttributeGroup(name: "expression", attributes: ["Mouth_Slightly_Open", "Smiling"]),
    AttributeGroup(name: "age", attributes: ["Young"]),
    AttributeGroup(name: "eyes", attributes: ["Eyeglasses", "Bags_Under_Eyes"]),  // one unmodelled: dropped
  ]

  /// A 12-face synthetic set, written once for the whole class.
  static let faces: URL = {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("homointerp-faces-\(UUID().uuidString)")
    _ = try? ToyFaceSetWriter(seed: 3).write(count: 12, to: dir)
    return dir
  }()

  override class func tearDown() { try? FileManager.default.removeItem(at: faces) }

  func makeTrainer(jitter: Bool = false, steps: Int = 20, nCritic: Int = 1) throws -> HomoInterpTrainer {
    var options = HomoInterpTrainingOptions()
    options.steps = steps
    options.batchSize = 4
    options.classifierSteps = 2
    options.warmupSteps = 2
    options.nCritic = nCritic
    options.jitter = jitter
    options.seed = 9
    let config = HomoInterpConfig.tiny(groups: Self.groups)
    let data = try HomoInterpData(
      directory: Self.faces, groups: config.groups, imageSize: config.imageSize,
      jitter: jitter ? HomoInterpData.defaultJitter : nil, seed: 9)
    return try HomoInterpTrainer(config: config, data: data, options: options)
  }

  func testGroupsAreIntersectedWithTheDataAndTargetsFollowThem() throws {
    let trainer = try makeTrainer()
    XCTAssertEqual(trainer.model.config.groups.map(\.attributes), [["Mouth_Slightly_Open", "Smiling"], ["Young"], ["Eyeglasses"]])
    XCTAssertEqual(trainer.model.config.projectionChannels, trainer.teacher.deepChannels)
    let z = trainer.data.targets(Array(trainer.data.records.prefix(2)))
    XCTAssertEqual(z.shape, [2, 4])
    let first = trainer.data.records[0]
    let truth = try XCTUnwrap(ToyFaceSetReader.read(Self.faces).first { "img_align_celeba/" + $0.name == first.file })
    XCTAssertEqual(Double(z.scalars[1]), truth.parameters.attributes[ToyFaceAttribute.smiling.index], accuracy: 1e-6)
  }

  /// A CelebA-style set (no params.csv): targets come from list_attr_celeba.txt, found under
  /// Anno/ as published, and the trainer runs on it.
  func testCelebALayoutTrainsFromTheAttributeFile() throws {
    let fm = FileManager.default
    let dir = fm.temporaryDirectory.appendingPathComponent("homointerp-celeba-\(UUID().uuidString)")
    defer { try? fm.removeItem(at: dir) }
    try fm.createDirectory(at: dir.appendingPathComponent("Anno"), withIntermediateDirectories: true)
    try fm.copyItem(at: Self.faces.appendingPathComponent("img_align_celeba"), to: dir.appendingPathComponent("img_align_celeba"))
    try fm.copyItem(
      at: Self.faces.appendingPathComponent("list_attr_celeba.txt"), to: dir.appendingPathComponent("Anno/list_attr_celeba.txt"))
    try fm.copyItem(
      at: Self.faces.appendingPathComponent("list_eval_partition.txt"), to: dir.appendingPathComponent("list_eval_partition.txt"))
    let config = HomoInterpConfig.tiny(groups: Self.groups)
    let data = try HomoInterpData(directory: dir, groups: config.groups, imageSize: config.imageSize, jitter: nil, seed: 1)
    // Eyeglasses and Bags_Under_Eyes are both in CelebA's 40 attributes: nothing is dropped.
    XCTAssertEqual(data.groups.map(\.attributes), Self.groups.map(\.attributes))
    // Targets are the ±1 labels as 1 / 0, in group order.
    let lines = try String(contentsOf: dir.appendingPathComponent("Anno/list_attr_celeba.txt"), encoding: .utf8)
      .split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
    let header = lines[1]
    let rows = Dictionary(uniqueKeysWithValues: lines.dropFirst(2).map { ($0[0], Array($0.dropFirst())) })
    for face in data.records + data.heldOut {
      let row = try XCTUnwrap(rows[String(face.file.dropFirst("img_align_celeba/".count))])
      let expected = Self.groups.flatMap(\.attributes).map { name -> Float in
        Float(row[header.firstIndex(of: name)!])! > 0 ? 1 : 0
      }
      XCTAssertEqual(face.targets, expected, face.file)
    }
    XCTAssertEqual(data.records.count + data.heldOut.count, 12)
    XCTAssertFalse(data.hash.isEmpty)
    var options = HomoInterpTrainingOptions()
    options.steps = 6
    options.batchSize = 4
    options.classifierSteps = 2
    options.warmupSteps = 2
    options.nCritic = 1
    options.jitter = false
    let trainer = try HomoInterpTrainer(config: config, data: data, options: options)
    for _ in 0..<6 {
      let report = try trainer.trainStep()
      XCTAssertTrue(report.losses.values.allSatisfy(\.isFinite), "\(report.losses)")
    }
  }

  /// CelebA with only the in-the-wild photos (img_celeba/ + list_landmarks_celeba.txt): each
  /// photo is aligned by its landmarks, so the training images match the aligned set's.
  func testUnalignedCelebAPhotosAreAlignedByTheirLandmarks() throws {
    let fm = FileManager.default
    let dir = fm.temporaryDirectory.appendingPathComponent("homointerp-wild-\(UUID().uuidString)")
    defer { try? fm.removeItem(at: dir) }
    try fm.createDirectory(at: dir.appendingPathComponent("img_celeba"), withIntermediateDirectories: true)
    try fm.copyItem(at: Self.faces.appendingPathComponent("list_attr_celeba.txt"), to: dir.appendingPathComponent("list_attr_celeba.txt"))
    // Each aligned face pasted into a larger grey photo at (dx, dy); its landmarks move with it.
    let (dx, dy) = (37, 21)
    let aligned = try String(contentsOf: Self.faces.appendingPathComponent("list_landmarks_align_celeba.txt"), encoding: .utf8)
      .split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).map(String.init) }
    var wild = "\(aligned.count - 2)\n" + aligned[1].joined(separator: " ") + "\n"
    for row in aligned.dropFirst(2) {
      let face = try VipsImage.load(Self.faces.appendingPathComponent("img_align_celeba/\(row[0])"))
      let (w, h) = (face.width, face.height)
      let src = try face.pixels()
      let (pw, ph) = (w + 80, h + 60)
      var canvas = [UInt8](repeating: 128, count: pw * ph * 3)
      for y in 0..<h { for x in 0..<w { for c in 0..<3 { canvas[((y + dy) * pw + x + dx) * 3 + c] = src[(y * w + x) * face.bands + c] } } }
      try VipsImage(pixels: canvas, width: pw, height: ph).save(to: dir.appendingPathComponent("img_celeba/\(row[0])"), quality: 100)
      let moved = row.dropFirst().enumerated().map { i, v in String(Int(v)! + (i % 2 == 0 ? dx : dy)) }
      wild += ([row[0]] + moved).joined(separator: " ") + "\n"
    }
    let config = HomoInterpConfig.tiny(groups: Self.groups)
    // Without the in-the-wild landmarks the photos cannot be aligned: a clear error.
    XCTAssertThrowsError(try HomoInterpData(directory: dir, groups: config.groups, imageSize: 32, jitter: nil, seed: 1)) {
      XCTAssertTrue("\($0)".contains("list_landmarks_celeba.txt"), "\($0)")
    }
    try wild.write(to: dir.appendingPathComponent("list_landmarks_celeba.txt"), atomically: true, encoding: .utf8)
    let data = try HomoInterpData(directory: dir, groups: config.groups, imageSize: 32, jitter: nil, seed: 1)
    XCTAssertEqual(data.preprocessor.alignment, .landmarks)
    XCTAssertTrue((data.records + data.heldOut).allSatisfy { $0.landmarks != nil && $0.file.hasPrefix("img_celeba/") })
    // Expected: the aligned image brought onto the template by its aligned landmarks (the same
    // similarity up to the translation); re-encoding and the pasted border leave ~0.026.
    var onTemplate = data.preprocessor
    onTemplate.alignment = .landmarks
    let alignedPoints = Dictionary(
      uniqueKeysWithValues: aligned.dropFirst(2).map { row in
        (row[0], (0..<5).map { ImagePoint(x: Double(row[1 + 2 * $0])!, y: Double(row[2 + 2 * $0])!) })
      })
    for face in data.records.prefix(4) {
      let name = String(face.file.split(separator: "/").last!)
      let got = try data.images([face], firstItem: 0, jittered: false).scalars
      let (expected, errors) = try onTemplate.batch(
        [Self.faces.appendingPathComponent("img_align_celeba/\(name)")], landmarks: [try FaceLandmarks(points: XCTUnwrap(alignedPoints[name]))])
      XCTAssertNil(errors[0] as Any?)
      let meanAbs = zip(got, expected.data).map { abs($0 - $1) }.reduce(0, +) / Float(got.count)
      XCTAssertLessThan(meanAbs, 0.05, face.file)  // unshifted landmarks give 0.3–0.5
    }
  }

  func testAFolderWithoutLabelsIsAClearError() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("homointerp-nolabels-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    XCTAssertThrowsError(
      try HomoInterpData(directory: dir, groups: Self.groups, imageSize: 32, jitter: nil, seed: 1)
    ) { error in
      XCTAssertTrue("\(error)".contains("params.csv") && "\(error)".contains("list_attr_celeba.txt"), "\(error)")
    }
  }

  /// Repeated steps on one fixed batch (same strengths and pairing each time) lower every loss
  /// that is minimised against a fixed target.
  func testAFewStepsLowerEachLoss() throws {
    let trainer = try makeTrainer()
    let chosen = Array(trainer.data.records.prefix(4))
    let x = try trainer.data.images(chosen, firstItem: 0, jittered: false)
    let z = trainer.data.targets(chosen)
    func run(_ count: Int, _ body: (inout [String: Float]) throws -> Void) rethrows -> ([String: Float], [String: Float]) {
      var first: [String: Float] = [:], last: [String: Float] = [:]
      for k in 0..<count {
        var losses: [String: Float] = [:]
        try body(&losses)
        if k == 0 { first = losses }
        last = losses
      }
      return (first, last)
    }
    var rng = RandomGenerator(seed: 1)
    let (c0, c1) = try run(12) { try trainer.classifierStep(x, z, &$0, rng: &rng) }
    XCTAssertLessThan(c1["classifier"]!, c0["classifier"]!)
    let (w0, w1) = try run(12) { _ = try trainer.autoencoderStep(x, z, &$0, rng: &rng, full: false) }
    for name in ["reconstruction", "perceptual", "projection"] {
      XCTAssertLessThan(w1[name]!, w0[name]!, name)
    }
    let (f0, f1) = try run(15) { losses in
      var rng = RandomGenerator(seed: 2)
      _ = try trainer.autoencoderStep(x, z, &losses, rng: &rng, full: true)
    }
    for name in ["critic_gp", "critic_attribute", "attribute", "interpolate_all", "pixel_attribute", "reconstruction"] {
      XCTAssertLessThan(f1[name]!, f0[name]!, name)
    }
    // The critic's whole objective falls (its Wasserstein term alone and the interpolator's
    // adversarial loss are a zero-sum pair and need not fall on their own).
    let critic = { (l: [String: Float]) in l["critic_wasserstein"]! + 100 * l["critic_gp"]! + l["critic_attribute"]! }
    XCTAssertLessThan(critic(f1), critic(f0))
  }

  /// Options for a one-step look at a single loss: batch 4, one classifier step, no warm-up,
  /// an interpolator step every step, and the autoencoder's own losses off.
  /// `name` in a fresh temporary folder that is removed when the test ends.
  func checkpointURL(_ name: String) -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("homointerp-ck-\(UUID().uuidString)")
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    return dir.appendingPathComponent(name)
  }

  static func singleLossOptions() -> HomoInterpTrainingOptions {
    var options = HomoInterpTrainingOptions()
    options.batchSize = 4
    options.classifierSteps = 1
    options.warmupSteps = 0
    options.nCritic = 1
    options.jitter = false
    options.weights.reconstruction = 0
    options.weights.perceptual = 0
    options.weights.projection = 0
    return options
  }

  /// A tiny-model trainer with `singleLossOptions` and the weights `configure` sets, and the
  /// images and targets of its first four faces (unjittered).
  static func singleLossTrainer(_ configure: (inout HomoInterpLossWeights) -> Void) throws -> (HomoInterpTrainer, Tensor, Tensor) {
    var options = singleLossOptions()
    configure(&options.weights)
    let trainer = try trainer(options)
    let chosen = Array(trainer.data.records.prefix(4))
    return (trainer, try trainer.data.images(chosen, firstItem: 0, jittered: false), trainer.data.targets(chosen))
  }

  /// A tiny-model trainer over the class's faces (unjittered).
  static func trainer(_ options: HomoInterpTrainingOptions) throws -> HomoInterpTrainer {
    let config = HomoInterpConfig.tiny(groups: groups)
    let data = try HomoInterpData(directory: faces, groups: config.groups, imageSize: config.imageSize, jitter: nil, seed: 9)
    return try HomoInterpTrainer(config: config, data: data, options: options)
  }

  /// The pixel-attribute loss trains the interpolator, and the decoder only when asked.
  func testPixelAttributeLossReachesTheDecoderOnlyWhenAsked() throws {
    for reaches in [false, true] {
      var options = Self.singleLossOptions()
      options.weights.adversarial = 0
      options.weights.attribute = 0
      options.weights.interpolateAll = 0
      options.pixelAttributeReachesDecoder = reaches
      let trainer = try Self.trainer(options)
      let chosen = Array(trainer.data.records.prefix(4))
      let x = try trainer.data.images(chosen, firstItem: 0, jittered: false)
      let decoder = trainer.model.decoder.parameters.map(\.scalars)
      let interpolator = trainer.model.interpolator.parameters.map(\.scalars)
      var losses: [String: Float] = [:]
      var rng = RandomGenerator(seed: 4)
      _ = try trainer.autoencoderStep(x, trainer.data.targets(chosen), &losses, rng: &rng, full: true)
      XCTAssertNotNil(losses["pixel_attribute"])
      XCTAssertNotEqual(trainer.model.interpolator.parameters.map(\.scalars), interpolator, "the interpolator learns from it")
      XCTAssertEqual(trainer.model.decoder.parameters.map(\.scalars) != decoder, reaches, "decoder moved: \(!reaches)")
      XCTAssertTrue(trainer.model.decoder.parameters.allSatisfy(\.requiresGrad), "the decoder stays trainable")
    }
    // Checkpoints from before the option keep their behaviour (the decoder learns from it).
    var old = HomoInterpTrainingOptions()
    old.pixelAttributeReachesDecoder = nil
    XCTAssertTrue(old.pixelAttributeTrainsDecoder)
  }

  /// The reconstruction-attribute loss trains the encoder and decoder toward reconstructions
  /// the classifier reads with the face's own labels; it is off by default, and weights
  /// stored before it existed decode with it off.
  func testReconstructionAttributeLossTrainsTheAutoencoderOnly() throws {
    XCTAssertEqual(HomoInterpTrainingOptions().weights.reconstructionAttribute, 0)
    let (trainer, x, z) = try Self.singleLossTrainer { $0.reconstructionAttribute = 1 }
    let encoder = trainer.model.encoder.parameters.map(\.scalars)
    let decoder = trainer.model.decoder.parameters.map(\.scalars)
    let interpolator = trainer.model.interpolator.parameters.map(\.scalars)
    let classifier = try XCTUnwrap(trainer.classifier).parameters.map(\.scalars)
    var first: Float?, last: Float?
    var rng = RandomGenerator(seed: 4)
    for _ in 0..<12 {
      var losses: [String: Float] = [:]
      _ = try trainer.autoencoderStep(x, z, &losses, rng: &rng, full: false)
      let value = try XCTUnwrap(losses["reconstruction_attribute"])
      if first == nil { first = value }
      last = value
    }
    XCTAssertLessThan(try XCTUnwrap(last), try XCTUnwrap(first))
    XCTAssertNotEqual(trainer.model.encoder.parameters.map(\.scalars), encoder, "the encoder learns from it")
    XCTAssertNotEqual(trainer.model.decoder.parameters.map(\.scalars), decoder, "the decoder learns from it")
    XCTAssertEqual(trainer.model.interpolator.parameters.map(\.scalars), interpolator, "warm-up steps leave the interpolator")
    XCTAssertEqual(try XCTUnwrap(trainer.classifier).parameters.map(\.scalars), classifier, "the judge is not trained by what it judges")

    let old = try JSONDecoder().decode(HomoInterpLossWeights.self, from: Data(#"{"pixelAttribute": 32, "attribute": 20}"#.utf8))
    XCTAssertEqual(old.reconstructionAttribute, 0)
    XCTAssertEqual(old.pixelAttribute, 32)
    XCTAssertEqual(old.attribute, 20)
    XCTAssertEqual(old.gradientPenalty, 100, "absent weights keep their defaults")
    var noJudge = trainer.options
    noJudge.classifierSteps = 0
    noJudge.weights.pixelAttribute = 0
    noJudge.teacherVGG19 = "vgg19.safetensors"
    XCTAssertThrowsError(try noJudge.validate())
  }

  /// The reconstruction-gradient loss is reported and lowered by warm-up steps, which train
  /// the encoder and decoder with it.
  func testReconstructionGradientLossTrainsTheAutoencoder() throws {
    let (trainer, x, z) = try Self.singleLossTrainer { $0.reconstructionGradient = 5 }
    let decoder = trainer.model.decoder.parameters.map(\.scalars)
    var values: [Float] = []
    var rng = RandomGenerator(seed: 4)
    for _ in 0..<12 {
      var losses: [String: Float] = [:]
      _ = try trainer.autoencoderStep(x, z, &losses, rng: &rng, full: false)
      values.append(try XCTUnwrap(losses["reconstruction_gradient"]))
    }
    XCTAssertLessThan(try XCTUnwrap(values.last), try XCTUnwrap(values.first))
    XCTAssertNotEqual(trainer.model.decoder.parameters.map(\.scalars), decoder)
    var off = Self.singleLossOptions()
    off.weights.reconstructionGradient = -1
    XCTAssertThrowsError(try off.validate()) { XCTAssertTrue("\($0)".contains("reconstruction-gradient"), "\($0)") }
  }

  func testGradientPenaltyGradientsMatchPyTorch() throws {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("Fixtures/golden/homointerp-critic.safetensors")
    let golden = try Safetensors.read(url).tensors
    // 4-channel 4×4 latents: width 4/512, 16 px with two poolings.
    let config = HomoInterpConfig(imageSize: 16, width: 4.0 / 512, poolings: 2, groups: [AttributeGroup(name: "g", attributes: ["A", "B"])])
    let model = HomoInterpModel(config: config, seed: 1)
    var state: [String: Tensor] = [:]
    for (k, v) in golden where k.hasPrefix("weight.") { state[String(k.dropFirst(7))] = v }
    try model.critic.load(stateDict: state)
    let real = try XCTUnwrap(golden["real"]), fake = try XCTUnwrap(golden["fake"]), eps = try XCTUnwrap(golden["eps"])
    let gp = try HomoInterpLosses.gradientPenalty(critic: model.critic, real: real, fake: fake, eps: eps.scalars)
    XCTAssertEqual(gp.item, try XCTUnwrap(golden["gp"]).item, accuracy: 1e-4)
    model.critic.zeroGrad()
    try gp.backward()
    var compared = 0
    for (name, p) in model.critic.namedParameters() {
      let expected = try XCTUnwrap(golden["grad." + name], name)
      let got = p.grad ?? .zeros(p.shape)
      for (a, b) in zip(got.scalars, expected.scalars) { XCTAssertEqual(a, b, accuracy: 1e-4 + 1e-3 * abs(b), name) }
      compared += 1
    }
    XCTAssertEqual(compared, 10)
  }

  func testResumeContinuesIdentically() throws {
    let url = checkpointURL("ck.safetensors")
    let a = try makeTrainer(jitter: true, steps: 8, nCritic: 2)
    for _ in 0..<5 { _ = try a.trainStep() }  // classifier, warm-up and the first full step
    try a.saveCheckpoint(to: url)
    var expected: [[String: Float]] = []
    for _ in 0..<3 { expected.append(try a.trainStep().losses) }
    let b = try HomoInterpTrainer.resume(from: url, data: a.data)
    XCTAssertEqual(b.step, 5)
    var got: [[String: Float]] = []
    for _ in 0..<3 { got.append(try b.trainStep().losses) }
    XCTAssertEqual(got, expected)
    let sa = a.model.stateDict(), sb = b.model.stateDict()
    for (k, v) in sa { XCTAssertEqual(sb[k]?.scalars, v.scalars, k) }
    // A checkpoint from other data is refused.
    var other = a.data
    other.hash = "fnv1a64:0"
    XCTAssertThrowsError(try HomoInterpTrainer.resume(from: url, data: other)) { XCTAssertTrue("\($0)".contains("trained on data"), "\($0)") }
  }

  func testClassifierGridHeadReadsEachCellInChannelMajorOrder() throws {
    var rng = RandomGenerator(seed: 4)
    // 16 px, two poolings: a 4×4 deep map of 64 channels, pooled on a 2×2 grid of 2×2 cells.
    let cls = HomoInterpAttributeClassifier(imageSize: 16, poolings: 2, attributes: 2, grid: 2, rng: &rng)
    let hidden = try XCTUnwrap(cls.hidden)
    XCTAssertEqual(hidden.weight.shape, [128, cls.deepChannels * 4])
    XCTAssertEqual(cls.head.weight.shape, [2, 128])
    let x = Tensor.randn([3, 3, 16, 16], rng: &rng)
    let deep = try cls.features(x).deep
    XCTAssertEqual(deep.shape, [3, cls.deepChannels, 4, 4])
    // Hidden unit 0 reads (channel 0, cell row 0, cell column 0), unit 1 (channel 1, row 1,
    // column 0); logit k is hidden unit k (cell means of ReLU features pass the ReLU).
    let cells = cls.deepChannels * 4
    hidden.weight.withMutableScalars { w in
      for i in w.indices { w[i] = 0 }
      w[0] = 1
      w[cells + 1 * 4 + 1 * 2 + 0] = 1
    }
    cls.head.weight.withMutableScalars { w in
      for i in w.indices { w[i] = 0 }
      w[0] = 1
      w[128 + 1] = 1
    }
    for b in [hidden.bias, cls.head.bias] { b?.withMutableScalars { b in for i in b.indices { b[i] = 0 } } }
    let logits = try cls.logits(x)
    let d = deep.scalars, side = 4
    func cellMean(_ n: Int, _ c: Int, _ gy: Int, _ gx: Int) -> Float {
      var s: Float = 0
      for y in 0..<2 { for xx in 0..<2 { s += d[((n * cls.deepChannels + c) * side + gy * 2 + y) * side + gx * 2 + xx] } }
      return s / 4
    }
    for n in 0..<3 {
      XCTAssertEqual(logits.scalars[n * 2], cellMean(n, 0, 0, 0), accuracy: 1e-5)
      XCTAssertEqual(logits.scalars[n * 2 + 1], cellMean(n, 1, 1, 0), accuracy: 1e-5)
    }
    // A grid that does not divide the latent side is refused up front.
    var options = HomoInterpTrainingOptions()
    options.classifierGrid = 3
    let config = HomoInterpConfig.tiny(groups: Self.groups)
    let data = try HomoInterpData(directory: Self.faces, groups: config.groups, imageSize: config.imageSize, jitter: nil, seed: 9)
    XCTAssertThrowsError(try HomoInterpTrainer(config: config, data: data, options: options)) {
      XCTAssertTrue("\($0)".contains("does not divide"), "\($0)")
    }
  }

  func testResumeCanRetrainTheClassifierAndKeepsTheRest() throws {
    let url = checkpointURL("ck.safetensors")
    let a = try makeTrainer(steps: 8)
    for _ in 0..<5 { _ = try a.trainStep() }
    try a.saveCheckpoint(to: url)
    let oldHead = try XCTUnwrap(a.classifier).head.weight.scalars
    let b = try HomoInterpTrainer.resume(from: url, data: a.data, retrainClassifier: 6) { $0.classifierGrid = 2 }
    XCTAssertEqual(b.pendingClassifierSteps, 6)
    let cls = try XCTUnwrap(b.classifier)
    XCTAssertEqual(cls.grid, 2)
    XCTAssertEqual(cls.hidden?.weight.shape[1], cls.deepChannels * 4)
    XCTAssertEqual(b.options.classifierRetrainedAtStep, 5)
    XCTAssertEqual(b.options.classifierRetrainSteps, 6)
    var reports: [HomoInterpStepReport] = []
    try b.run(checkpoint: url, checkpointEvery: 0, sampleDirectory: nil, sampleEvery: 0) { reports.append($0) }
    // Six classifier steps (numbered 1…6 of 6), then the run's own steps 6…8.
    XCTAssertEqual(reports.map(\.phase), Array(repeating: .classifier, count: 6) + [.full, .full, .full])
    XCTAssertEqual(reports.prefix(6).map(\.step), Array(1...6))
    XCTAssertEqual(b.pendingClassifierSteps, 0)
    XCTAssertEqual(b.step, 8)
    XCTAssertNotEqual(cls.head.weight.scalars.count, oldHead.count)
    // The retrained classifier and the record of it survive the next resume.
    let c = try HomoInterpTrainer.resume(from: url, data: a.data)
    XCTAssertEqual(c.classifier?.head.weight.scalars, cls.head.weight.scalars)
    XCTAssertEqual(c.options.classifierRetrainedAtStep, 5)
    XCTAssertEqual(c.pendingClassifierSteps, 0)
  }

  /// `keepEvery` keeps the checkpoint of every K-th step under snapshots/, each the run as it
  /// stood then (a resume from one continues from that step), and records the interval.
  func testKeptSnapshotsAreTheCheckpointsOfTheirSteps() throws {
    let url = checkpointURL("run.safetensors")
    let a = try makeTrainer(steps: 7)
    var weightsAt: [Int: [Float]] = [:]
    try a.run(checkpoint: url, checkpointEvery: 0, sampleDirectory: nil, sampleEvery: 0, keepEvery: 3) { report in
      weightsAt[report.step] = a.model.interpolator.parameters[0].scalars
    }
    let folder = url.deletingLastPathComponent().appendingPathComponent("snapshots")
    let kept = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
    XCTAssertEqual(kept, ["step-000003.json", "step-000003.safetensors", "step-000006.json", "step-000006.safetensors"])
    for step in [3, 6] {
      let snapshot = HomoInterpTrainer.snapshotURL(of: url, step: step)
      let b = try HomoInterpTrainer.resume(from: snapshot, data: a.data)
      XCTAssertEqual(b.step, step)
      XCTAssertEqual(b.model.interpolator.parameters[0].scalars, weightsAt[step], "step \(step)")
    }
    XCTAssertNotEqual(weightsAt[3], weightsAt[6], "the two snapshots hold different weights, so the test can tell them apart")
    let info = try HomoInterpModel.readInfo(HomoInterpModel.checkpointPaths(url).metadata)
    XCTAssertEqual(info.metadata["keep_every"], "3")
    XCTAssertEqual(info.step, 7)
  }

  /// A new run can start from a checkpoint's weights, an F16 export too: the model as saved,
  /// step 0, optimisers and classifier afresh, the source recorded; it trains through its
  /// own phases. A checkpoint of another architecture is refused, naming the file.
  func testANewRunStartsFromACheckpointsWeights() throws {
    let url = checkpointURL("export.safetensors")
    let dir = url.deletingLastPathComponent()
    let a = try makeTrainer(steps: 8)
    for _ in 0..<6 { _ = try a.trainStep() }
    try a.model.save(to: url, step: a.step, metadata: [:], extra: [:], dtype: .f16)
    var options = a.options
    options.steps = 6
    let b = try HomoInterpTrainer(config: .tiny(groups: Self.groups), data: a.data, options: options, initialWeights: url)
    XCTAssertEqual(b.step, 0)
    XCTAssertEqual(b.options.initialWeights, url.path)
    XCTAssertEqual(b.options.initialWeightsStep, 6)
    let loaded = b.model.stateDict()
    for (k, v) in a.model.stateDict() {
      let w = try XCTUnwrap(loaded[k], k).scalars
      for (x, y) in zip(v.scalars, w) { XCTAssertEqual(x, y, accuracy: 1e-3 * (1 + abs(x)), k) }
    }
    XCTAssertEqual(b.criticOptimizer.state()["step"]?.item, 0)
    XCTAssertNotEqual(b.classifier?.head.weight.scalars, a.classifier?.head.weight.scalars)
    var phases: [HomoInterpPhase] = []
    try b.run(checkpoint: dir.appendingPathComponent("b.safetensors"), checkpointEvery: 0, sampleDirectory: nil, sampleEvery: 0) {
      phases.append($0.phase)
    }
    XCTAssertEqual(phases, [.classifier, .classifier, .warmup, .warmup, .full, .full])
    let saved = try HomoInterpTrainer.resume(from: dir.appendingPathComponent("b.safetensors"), data: a.data)
    XCTAssertEqual(saved.options.initialWeights, url.path)
    var wider = HomoInterpConfig.tiny(groups: Self.groups)
    wider.width *= 2
    XCTAssertThrowsError(try HomoInterpTrainer(config: wider, data: a.data, options: options, initialWeights: url)) {
      XCTAssertTrue(
        "\($0)".contains(url.path) && "\($0)".contains("width \(wider.width), the checkpoint's is \(wider.width / 2)"), "\($0)")
      XCTAssertFalse("\($0)".contains("poolings \(wider.poolings),"), "only the differing field is named: \($0)")
    }
  }

  /// A seeded run asking for more decoder channels than its checkpoint has starts from the
  /// checkpoint's model with the decoder widened (same reconstructions), trains, and saves the
  /// wider config; a run that does not ask keeps the checkpoint's decoder, and one asking for
  /// fewer channels than the checkpoint has is refused, naming the file.
  func testASeededRunCanWidenTheDecoder() throws {
    let url = checkpointURL("narrow.safetensors")
    let a = try makeTrainer(steps: 8)
    for _ in 0..<5 { _ = try a.trainStep() }
    try a.model.save(to: url, step: a.step, metadata: [:], extra: [:])
    var options = a.options
    options.steps = 5
    var config = HomoInterpConfig.tiny(groups: Self.groups)
    config.decoderMinChannels = 8
    let b = try HomoInterpTrainer(config: config, data: a.data, options: options, initialWeights: url)
    XCTAssertEqual(b.model.config.decoderMinChannels, 8)
    XCTAssertEqual(b.model.decoder.layers.layers.compactMap { ($0 as? Conv2d)?.outChannels }.suffix(2), [8, 3])
    a.model.eval()
    b.model.eval()
    let x = try a.data.images(Array(a.data.records.prefix(2)), firstItem: 0, jittered: false)
    let before = try a.model.decode(a.model.encode(x)).scalars, after = try b.model.decode(b.model.encode(x)).scalars
    XCTAssertLessThan(zip(before, after).map { abs($0 - $1) }.max() ?? 1, 1e-4)
    b.model.train()
    let wide = url.deletingLastPathComponent().appendingPathComponent("wide.safetensors")
    try b.run(checkpoint: wide, checkpointEvery: 0, sampleDirectory: nil, sampleEvery: 0) { _ in }
    XCTAssertEqual(try HomoInterpModel.readInfo(HomoInterpModel.checkpointPaths(wide).metadata).config.decoderMinChannels, 8)

    let kept = try HomoInterpTrainer(config: .tiny(groups: Self.groups), data: a.data, options: options, initialWeights: wide)
    XCTAssertEqual(kept.model.config.decoderMinChannels, 8)
    config.decoderMinChannels = 6
    XCTAssertThrowsError(try HomoInterpTrainer(config: config, data: a.data, options: options, initialWeights: wide)) {
      XCTAssertTrue("\($0)".contains(wide.path) && "\($0)".contains("decoder ≥ 8 channels"), "\($0)")
    }
  }

  /// `fullStrengthProbability` turns that share of drawn strengths into exactly 1; unset or 0
  /// it draws the same strengths as before the option existed.
  func testFullStrengthProbabilityDrawsFullEdits() throws {
    var options = Self.singleLossOptions()
    options.singleGroupProbability = 0
    let n = 64
    func strengths(_ p: Double?) throws -> [Float] {
      options.fullStrengthProbability = p
      let t = try Self.trainer(options)
      var rng = RandomGenerator(seed: 5)
      let z = Tensor.zeros([n, t.model.config.totalAttributes])
      let g = t.model.config.groups.count
      let v = t.sampleStrengths(n: n, z: z, perm: Array(0..<n), rng: &rng).0.scalars
      return (0..<n).flatMap { i in v[(i * (g + 1))..<(i * (g + 1) + g)] }
    }
    let unset = try strengths(nil)
    XCTAssertEqual(try strengths(0), unset)
    XCTAssertEqual(Set(try strengths(1)), [1])
    let half = try strengths(0.5)
    let ones = half.filter { $0 == 1 }.count
    XCTAssertTrue((half.count / 4...half.count * 3 / 4).contains(ones), "\(ones) of \(half.count) at 1")
    XCTAssertTrue(half.allSatisfy { (0...1).contains($0) })
    options.fullStrengthProbability = 1.5
    XCTAssertThrowsError(try options.validate()) { XCTAssertTrue("\($0)".contains("full-strength"), "\($0)") }
  }

  func testNonFiniteLossStopsAndNamesTheCheckpoint() throws {
    let trainer = try makeTrainer(steps: 4)
    let url = checkpointURL("ck.safetensors")
    _ = try trainer.trainStep()
    try trainer.saveCheckpoint(to: url)
    // A NaN in the decoder's output bias makes the reconstruction loss NaN.
    trainer.model.decoder.layers.parameters.last?.withMutableScalars { $0[0] = .nan }
    _ = try trainer.trainStep()  // classifier step: the encoder is not used yet
    XCTAssertThrowsError(try trainer.trainStep()) { error in
      guard case HomoInterpError.nonFinite(let step, _, let last) = error else { return XCTFail("\(error)") }
      XCTAssertEqual(step, 3)
      XCTAssertEqual(last, url.path)
    }
  }

  /// torchvision's `vgg19().features` state dict written by torch when python3 has it
  /// (scripts/make-golden-homointerp.py), otherwise the same keys and shapes written here with
  /// per-layer constant weights, so the loader is tested on every machine.
  func testVGG19TeacherLoadsTorchvisionKeys() throws {
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    let file = FileManager.default.temporaryDirectory.appendingPathComponent("vgg19-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: file) }
    var byTorch = false
    let python = "/usr/bin/python3"
    if FileManager.default.isExecutableFile(atPath: python) {
      let process = Process()
      process.executableURL = URL(fileURLWithPath: python)
      process.arguments = [root.appendingPathComponent("scripts/make-golden-homointerp.py").path, "--vgg19", file.path]
      process.standardError = FileHandle.nullDevice
      try process.run()
      process.waitUntilExit()
      byTorch = process.terminationStatus == 0
    }
    if !byTorch {
      // torchvision's layout: `features.<index>.weight` [out, in, 3, 3] and `.bias` [out] for
      // the convolutions, the indices counting the ReLU and max-pool layers between them.
      var tensors: [String: Tensor] = [:]
      var index = 0, channels = 3
      for width in [64, 64, 0, 128, 128, 0, 256, 256, 256, 256, 0, 512, 512, 512, 512, 0, 512, 512, 512, 512, 0] {
        if width == 0 {
          index += 1
          continue
        }
        tensors["features.\(index).weight"] = Tensor.full([width, channels, 3, 3], Float(index + 1) * 1e-3)
        tensors["features.\(index).bias"] = Tensor.full([width], 0)
        channels = width
        index += 2
      }
      try Safetensors.write(tensors, to: file)
    }
    let teacher = try VGG19Teacher(url: file, poolings: 3)
    XCTAssertEqual(teacher.deepChannels, 512)  // relu4_1
    XCTAssertEqual(teacher.features.namedParameters().first?.name, "0.weight")
    if !byTorch {
      let weights = teacher.features.namedParameters()
      XCTAssertEqual(weights.first?.tensor.scalars.first, 1e-3)
      XCTAssertEqual(weights.first { $0.name == "2.weight" }?.tensor.scalars.first, 3e-3)
    }
    var rng = RandomGenerator(seed: 1)
    let (perceptual, deep) = try teacher.features(Tensor.rand([1, 3, 32, 32], low: -1, high: 1, rng: &rng))
    XCTAssertEqual(deep.shape, [1, 512, 4, 4])
    XCTAssertEqual(perceptual.map { $0.shape[1] }, [64, 128, 256])
    XCTAssertThrowsError(try VGG19Teacher(url: Self.faces.appendingPathComponent("params.csv"), poolings: 3))
  }
}
