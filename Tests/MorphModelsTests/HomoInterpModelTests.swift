import Foundation
import MorphImaging
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

final class HomoInterpModelTests: XCTestCase {
  static let groups = [
    AttributeGroup(name: "expression", attributes: ["Mouth_Slightly_Open", "Smiling"]),
    AttributeGroup(name: "age", attributes: ["Young"]),
  ]

  /// A random source latent and the same latent with cell (0, 0) raised by 2 in every channel.
  static func spikedPair(_ config: HomoInterpConfig) -> (source: Tensor, reference: Tensor) {
    let (c, side) = (config.latentChannels, config.latentSide)
    var rng = RandomGenerator(seed: 9)
    let source = Tensor.rand([1, c, side, side], low: -1, high: 1, rng: &rng)
    var spiked = source.scalars
    for ch in 0..<c { spiked[ch * side * side] += 2 }
    return (source, Tensor(shape: source.shape, scalars: spiked))
  }

  /// The largest change, over channels at `cell`, that moving the reference makes to the first
  /// group's full-strength edit: nonzero only where the branch reads the changed cell.
  static func change(_ m: HomoInterpModel, source: Tensor, reference: Tensor, at cell: (Int, Int)) throws -> Float {
    let (c, side) = (m.config.latentChannels, m.config.latentSide)
    var strengths = [Float](repeating: 0, count: m.config.groups.count)
    strengths[0] = 1
    let moved = try m.interpolate(source: source, reference: reference, strengths: strengths).scalars
    let still = try m.interpolate(source: source, reference: source, strengths: strengths).scalars
    var worst: Float = 0
    for ch in 0..<c {
      let i = (ch * side + cell.0) * side + cell.1
      worst = max(worst, abs(moved[i] - still[i]))
    }
    return worst
  }

  func images(_ n: Int, side: Int, seed: UInt64) -> Tensor {
    var rng = RandomGenerator(seed: seed)
    return Tensor.rand([n, 3, side, side], low: -1, high: 1, rng: &rng)
  }

  func testShapesAndNamesFollowTheConfig() throws {
    let config = HomoInterpConfig.tiny(groups: Self.groups)
    let model = HomoInterpModel(config: config, seed: 1)
    let f = try model.encode(images(2, side: 32, seed: 2))
    XCTAssertEqual(f.shape, [2, 32, 8, 8])
    XCTAssertEqual(try model.decode(f).shape, [2, 3, 32, 32])
    XCTAssertEqual(try model.attributeProbabilities(f).shape, [2, 3])
    let names = Set(model.namedParameters().map(\.name))
    // torchvision-style indices: conv, relu, conv, relu, pool, conv …
    XCTAssertTrue(names.contains("encoder.features.0.weight"))
    XCTAssertTrue(names.contains("encoder.features.5.weight"))
    XCTAssertTrue(names.contains("interpolator.branches.2.4.weight"))  // residual branch, last conv
    XCTAssertTrue(names.contains("critic.classifiers.1.weight"))
    XCTAssertTrue(names.contains("critic.adversarial.weight"))
    XCTAssertEqual(model.interpolator.branches.modules.count, 3)
    // 64 px with three poolings keeps an 8×8 latent.
    let mid = HomoInterpConfig(imageSize: 64, width: 1.0 / 16, poolings: 3, groups: Self.groups)
    XCTAssertEqual(try HomoInterpModel(config: mid, seed: 1).encode(images(1, side: 64, seed: 3)).shape, [1, 32, 8, 8])
  }

  func testZeroStrengthsReturnTheSourceExactly() throws {
    let model = HomoInterpModel(config: .tiny(groups: Self.groups), seed: 1)
    let a = try model.encode(images(2, side: 32, seed: 4)), b = try model.encode(images(1, side: 32, seed: 5))
    XCTAssertEqual(try model.interpolate(source: a, reference: b, strengths: [0, 0]).scalars, a.scalars)
    let moved = try model.interpolate(source: a, reference: b, strengths: [1, 0])
    XCTAssertNotEqual(moved.scalars, a.scalars)
    XCTAssertEqual(moved.shape, a.shape)
  }

  func testShapeAndStrengthErrorsThrow() throws {
    let model = HomoInterpModel(config: .tiny(groups: Self.groups), seed: 1)
    XCTAssertThrowsError(try model.encode(images(1, side: 16, seed: 1))) { error in
      XCTAssertTrue("\(error)".contains("[N, 3, 32, 32]"), "\(error)")
    }
    let f = try model.encode(images(1, side: 32, seed: 1))
    XCTAssertThrowsError(try model.interpolate(source: f, reference: f, strengths: [0.5]))
    XCTAssertThrowsError(try model.interpolate(source: f, reference: f, strengths: [0.5, 2.5]))
    XCTAssertThrowsError(try model.decode(Tensor.zeros([1, 31, 8, 8])))
    XCTAssertThrowsError(try model.attributeProbabilities(Tensor.zeros([1, 32, 4, 4])))
    XCTAssertThrowsError(try HomoInterpModel(validating: HomoInterpConfig(imageSize: 48, width: 0.1, poolings: 4, groups: Self.groups), seed: 1))
  }

  func testSaveAndLoadRoundTrip() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("homointerp-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = HomoInterpModel(config: .tiny(groups: Self.groups), seed: 7)
    let url = dir.appendingPathComponent("m.safetensors")
    try model.save(to: url, metadata: ["step": "12", "note": "x"])
    let loaded = try HomoInterpModel.load(from: url)
    XCTAssertEqual(loaded.config, model.config)
    let x = images(1, side: 32, seed: 9)
    XCTAssertEqual(try loaded.decode(loaded.encode(x)).scalars, try model.decode(model.encode(x)).scalars)
    XCTAssertEqual(try HomoInterpModel.readInfo(dir.appendingPathComponent("m.json")).step, 12)
    try Data("{}".utf8).write(to: dir.appendingPathComponent("m.json"))
    XCTAssertThrowsError(try HomoInterpModel.load(from: url)) { error in
      XCTAssertTrue("\(error)".contains("m.json"), "\(error)")
    }
  }

  func testHalfPrecisionExportLoadsAndStaysClose() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("homointerp-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let model = HomoInterpModel(config: .tiny(groups: Self.groups), seed: 7)
    let full = dir.appendingPathComponent("full.safetensors"), half = dir.appendingPathComponent("half.safetensors")
    try model.save(to: full, step: 3, metadata: [:], extra: [:])
    try model.save(to: half, step: 3, metadata: [:], extra: [:], dtype: .f16)
    let size = { (u: URL) in try XCTUnwrap(try FileManager.default.attributesOfItem(atPath: u.path)[.size] as? Int) }
    XCTAssertLessThan(try size(half), try size(full) * 6 / 10)
    let loaded = try HomoInterpModel.load(from: half)
    let x = images(2, side: 32, seed: 4)
    let a = try model.decode(model.encode(x)).scalars, b = try loaded.decode(loaded.encode(x)).scalars
    let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
    XCTAssertGreaterThan(worst, 0)  // really rounded
    XCTAssertLessThan(worst, 0.02)
  }

  /// Widening the decoder (Net2Net) keeps what the model computes, in evaluation and in
  /// training mode, gives every decoder convolution the floor of channels, leaves the other
  /// parts as they were, and splits the copies' outgoing weights unevenly so they can learn
  /// apart. The widened config survives a save and load.
  func testWideningTheDecoderKeepsWhatItComputes() throws {
    let model = HomoInterpModel(config: .tiny(groups: Self.groups), seed: 3)
    let convs = { (m: HomoInterpModel) in m.decoder.layers.layers.compactMap { $0 as? Conv2d } }
    XCTAssertEqual(convs(model).map(\.outChannels).suffix(4), [4, 4, 4, 3])
    let wide = try model.widenedDecoder(minChannels: 8, seed: 1)
    XCTAssertEqual(wide.config.decoderMinChannels, 8)
    XCTAssertEqual(convs(wide).map(\.outChannels).suffix(4), [8, 8, 8, 3])
    XCTAssertEqual(convs(wide).map(\.outChannels).prefix(9), convs(model).map(\.outChannels).prefix(9))
    let before = model.stateDict(), after = wide.stateDict()
    for (k, v) in before where !k.hasPrefix("decoder.") { XCTAssertEqual(after[k]?.scalars, v.scalars, k) }

    let f = try model.encode(images(3, side: 32, seed: 4))
    func close(_ a: Tensor, _ b: Tensor, _ what: String) {
      XCTAssertEqual(a.shape, b.shape)
      let worst = zip(a.scalars, b.scalars).map { abs($0 - $1) }.max() ?? .infinity
      XCTAssertLessThan(worst, 1e-4, what)
    }
    close(try model.decode(f), try wide.decode(f), "evaluation mode (fused convolutions)")
    model.train()
    wide.train()
    close(try model.decoder(f), try wide.decoder(f), "training mode (batch statistics)")

    // The last widened convolution's copies (channels j and j + 4) feed the output unevenly.
    let last = try XCTUnwrap(convs(wide).last).weight.scalars
    let k2 = 9, inputs = 8
    let first = Array(last[0..<k2]), copy = Array(last[(4 * k2)..<(5 * k2)])
    XCTAssertNotEqual(first, copy)
    for t in 0..<k2 { XCTAssertEqual(first[t] / copy[t], first[0] / copy[0], accuracy: 1e-3) }
    XCTAssertEqual(last.count, 3 * inputs * k2)

    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("homointerp-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    try wide.save(to: dir.appendingPathComponent("w.safetensors"), metadata: [:])
    let loaded = try HomoInterpModel.load(from: dir.appendingPathComponent("w.safetensors"))
    XCTAssertEqual(loaded.config, wide.config)
    wide.eval()
    close(try loaded.decode(f), try wide.decode(f), "after save and load")
    XCTAssertThrowsError(try model.widenedDecoder(minChannels: 4096, seed: 1)) {
      XCTAssertTrue("\($0)".contains("decoderMinChannels"), "\($0)")
    }
  }

  /// A config field this version does not know is refused, naming the field and the file,
  /// rather than dropped (the model would load as another architecture); known optional
  /// fields may be absent.
  func testCheckpointConfigWithAnUnknownFieldIsRefused() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("homointerp-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("m.safetensors")
    try HomoInterpModel(config: .tiny(groups: Self.groups), seed: 2).save(to: url, metadata: [:])
    let meta = HomoInterpModel.checkpointPaths(url).metadata
    XCTAssertNil(try HomoInterpModel.readInfo(meta).config.decoderMinChannels)
    var json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(contentsOf: meta)) as? [String: Any])
    var config = try XCTUnwrap(json["config"] as? [String: Any])
    config["branchAttention"] = true
    json["config"] = config
    try JSONSerialization.data(withJSONObject: json).write(to: meta)
    XCTAssertThrowsError(try HomoInterpModel.load(from: url)) {
      XCTAssertTrue("\($0)".contains(meta.path) && "\($0)".contains("'branchAttention'"), "\($0)")
    }
  }

}

/// The evaluation harness's HomoInterp methods on a saved tiny checkpoint.
final class HomoInterpEvalMethodTests: XCTestCase {
  static let renderer = ToyFaceRenderer(width: 178, height: 218)
  static let source = EvalImage(renderer.render(ToyFaceSampler().parameters(seed: 5, index: 0)))
  static let reference = EvalImage(renderer.render(ToyFaceSampler().parameters(seed: 5, index: 1)))

  /// Two named methods over one saved tiny checkpoint (removed when the test ends).
  func methods(_ first: String, _ second: String, mask: ChangeMask? = nil) throws -> (InterpolationMethod, InterpolationMethod) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("homointerp-eval-\(UUID().uuidString)")
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    let url = dir.appendingPathComponent("m.safetensors")
    try HomoInterpModel(config: .tiny(groups: HomoInterpModelTests.groups), seed: 7).save(to: url, metadata: [:])
    return (
      try XCTUnwrap(try BuiltinMethods.named(first, checkpoint: url, mask: mask)),
      try XCTUnwrap(try BuiltinMethods.named(second, checkpoint: url, mask: mask))
    )
  }

  /// The expression edit of the fixed pair at strength `v`.
  func request(_ v: Double) -> InterpolationRequest {
    InterpolationRequest(
      source: Self.source, reference: Self.reference,
      group: AttributeGroup(name: "expression", attributes: ["Mouth_Slightly_Open", "Smiling"]), strength: v, pairIndex: 0)
  }

  /// Detail transfer is the photo plus the change the plain method makes to its own
  /// reconstruction: the photo itself at strength 0, and outside the crop always.
  func testDetailTransferAddsTheModelsChangeToThePhoto() throws {
    let (plain, detail) = try methods("homointerp", "homointerp-detail")
    let source = Self.source
    XCTAssertEqual(try detail.interpolate(request(0)).pixels, source.pixels)

    let recon = try plain.interpolate(request(0)), edit = try plain.interpolate(request(1))
    // Strength 0 is served from the pair's cached decoding; a strength too small to move the
    // latent takes the full path and must give the same image.
    XCTAssertEqual(try plain.interpolate(request(1e-30)).pixels, recon.pixels)
    let out = try detail.interpolate(request(1))
    XCTAssertNotEqual(edit.pixels, recon.pixels, "the interpolator changes the face at strength 1")
    var changed = 0
    for i in 0..<source.pixels.count {
      let expected = Swift.min(Swift.max(source.pixels[i] + edit.pixels[i] - recon.pixels[i], 0), 1)
      XCTAssertEqual(out.pixels[i], expected, accuracy: 1e-5)
      if out.pixels[i] != source.pixels[i] { changed += 1 }
    }
    XCTAssertGreaterThan(changed, 0)
    // Row 0 is above the crop: the photo's.
    XCTAssertEqual(Array(out.pixels[0..<(178 * 3)]), Array(source.pixels[0..<(178 * 3)]))
  }

  /// Masked composition shows the plain method's edit where its change mask (of the plain
  /// method's reconstruction → edit, inside the crop) reaches and the photo elsewhere.
  func testMaskedCompositionBlendsTheEditIntoThePhotoByTheChangeMask() throws {
    let (plain, masked) = try methods("homointerp", "homointerp-masked")
    let source = Self.source
    XCTAssertEqual(try masked.interpolate(request(0)).pixels, source.pixels)

    let recon = try plain.interpolate(request(0)), edit = try plain.interpolate(request(1))
    let out = try masked.interpolate(request(1))
    let side = Align.celebaCropSide
    let (left, top) = HomoInterpEvalMethod.cropOrigin(width: 178, height: 218)
    let (reconBytes, editBytes) = (crop(recon), crop(edit))
    let mask = try ChangeMask().mask(reconstruction: reconBytes, edited: editBytes, width: side, height: side)
    XCTAssertGreaterThan(mask.max() ?? 0, 0.1, "the untrained interpolator changes the face at strength 1")
    var worst: Float = 0
    for y in 0..<side { for x in 0..<side { for c in 0..<3 {
      let o = ((top + y) * 178 + left + x) * 3 + c, m = mask[y * side + x]
      let expected = m * Float(editBytes[(y * side + x) * 3 + c]) / 255 + (1 - m) * source.pixels[o]
      worst = max(worst, abs(out.pixels[o] - expected))
    } } }
    XCTAssertLessThan(worst, 1e-5)
    XCTAssertEqual(Array(out.pixels[0..<(178 * 3)]), Array(source.pixels[0..<(178 * 3)]))
  }

  /// The crop of a 178×218 evaluation image as bytes (what the methods' masks are made from).
  func crop(_ image: EvalImage) -> [UInt8] {
    let side = Align.celebaCropSide
    let (left, top) = HomoInterpEvalMethod.cropOrigin(width: 178, height: 218)
    var bytes = [UInt8](repeating: 0, count: side * side * 3)
    for y in 0..<side { for x in 0..<side { for c in 0..<3 {
      bytes[(y * side + x) * 3 + c] = UInt8((image.pixels[((top + y) * 178 + left + x) * 3 + c] * 255).rounded())
    } } }
    return bytes
  }

  /// Redrawn composition: the plain method's edit where the redraw mask (of its reconstruction
  /// → edit) reaches, detail transfer's photo + change elsewhere; the photo at strength 0, and
  /// detail transfer exactly when the mask reaches nowhere.
  func testRedrawnCompositionIsDetailTransferWhereTheEditIsSlight() throws {
    let (plain, _) = try methods("homointerp", "homointerp")
    let recon = try plain.interpolate(request(0)), edit = try plain.interpolate(request(1))
    let (reconBytes, editBytes) = (crop(recon), crop(edit))
    // The untrained model's change is faint: thresholds at a quarter and a half of its largest
    // change make a mask that redraws part of the face and not all of it.
    let largest = Float(zip(reconBytes, editBytes).map { abs(Int($0) - Int($1)) }.max() ?? 0) / 255
    XCTAssertGreaterThan(largest, 0.01, "the untrained interpolator changes the face at strength 1")
    let partial = ChangeMask(low: largest / 4, high: largest / 2, smoothing: 0.01, grow: 0.01, feather: 0.01)
    let (_, redraw) = try methods("homointerp", "homointerp-redraw", mask: partial)
    let source = Self.source
    XCTAssertEqual(try redraw.interpolate(request(0)).pixels, source.pixels)

    let out = try redraw.interpolate(request(1))
    let side = Align.celebaCropSide
    let (left, top) = HomoInterpEvalMethod.cropOrigin(width: 178, height: 218)
    let mask = try partial.mask(reconstruction: reconBytes, edited: editBytes, width: side, height: side)
    XCTAssertGreaterThan(mask.max() ?? 0, 0.5, "part of the face is redrawn")
    XCTAssertLessThan(mask.min() ?? 1, 0.5, "and not all of it")
    var worst: Float = 0
    for y in 0..<side { for x in 0..<side { for c in 0..<3 {
      let o = ((top + y) * 178 + left + x) * 3 + c, i = (y * side + x) * 3 + c, m = mask[y * side + x]
      let e = Float(editBytes[i]) / 255
      let detail = min(max(source.pixels[o] + e - Float(reconBytes[i]) / 255, 0), 1)
      worst = max(worst, abs(out.pixels[o] - (m * e + (1 - m) * detail)))
    } } }
    XCTAssertLessThan(worst, 1e-5)
    XCTAssertEqual(Array(out.pixels[0..<(178 * 3)]), Array(source.pixels[0..<(178 * 3)]))

    let never = ChangeMask(low: 0.999, high: 1, smoothing: 0, grow: 0, feather: 0)
    let (detail, unreached) = try methods("homointerp-detail", "homointerp-redraw", mask: never)
    let a = try detail.interpolate(request(1)).pixels, b = try unreached.interpolate(request(1)).pixels
    XCTAssertLessThan(zip(a, b).map { abs($0 - $1) }.max() ?? 1, 1e-5)
  }

  /// The mask of homointerp-masked is the caller's: thresholds no change reaches keep the photo
  /// everywhere, the default ones do not; a mask with its thresholds reversed is refused.
  func testMaskedCompositionTakesTheCallersMask() throws {
    let (_, standard) = try methods("homointerp", "homointerp-masked")
    let never = ChangeMask(low: 0.999, high: 1, smoothing: 0, grow: 0, feather: 0)
    let (_, unreached) = try methods("homointerp", "homointerp-masked", mask: never)
    let source = Self.source.pixels
    XCTAssertNotEqual(try standard.interpolate(request(1)).pixels, source)
    let kept = try unreached.interpolate(request(1)).pixels
    let moved = zip(kept, source).map { abs($0 - $1) }.max() ?? 1
    XCTAssertLessThan(moved, 1e-5, "no pixel's change reaches 0.999, so the photo is kept")
    // Checked before the checkpoint is read (this one does not exist).
    let nowhere = URL(fileURLWithPath: "/nonexistent/m.safetensors")
    XCTAssertThrowsError(try HomoInterpEvalMethod.method(.masked, checkpoint: nowhere, mask: ChangeMask(low: 0.2, high: 0.1))) {
      XCTAssertTrue("\($0)".contains("low < high"), "\($0)")
    }
  }
}
