import Foundation
import MorphTensor
import XCTest

@testable import MorphModels

/// The committed demo checkpoint (`Fixtures/models/homointerp-demo.safetensors`) on faces it
/// never saw: what training should have taught its interpolator.
final class HomoInterpDemoCheckpointTests: XCTestCase {
  static let checkpoint = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().appendingPathComponent("Fixtures/models/homointerp-demo.safetensors")

  /// Latents of four faces rendered from a seed the training set did not use: pairs 0 → 1, 2 → 3.
  func latents(_ model: HomoInterpModel) throws -> (source: Tensor, reference: Tensor) {
    let renderer = ToyFaceRenderer(width: 178, height: 218)
    let faces = try (0..<4).map { index in
      try HomoInterpEvalMethod.input(
        EvalImage(renderer.render(ToyFaceSampler().parameters(seed: 77, index: index))), size: model.config.imageSize)
    }
    let f = try model.encode(Tensor.concat(faces, axis: 0))
    return (f.indexSelect([0, 2]), f.indexSelect([1, 3]))
  }

  /// ‖interpolate(all strengths 1) − F_b‖ / ‖F_a − F_b‖ over the pairs: 0 reaches the
  /// reference latent exactly, 1 is as far from it as the source.
  func remainingDistance(_ model: HomoInterpModel) throws -> Float {
    let (source, reference) = try latents(model)
    let ones = [Float](repeating: 1, count: model.config.groups.count)
    let all = try model.interpolate(source: source, reference: reference, strengths: ones)
    return (all - reference).norm().item / (source - reference).norm().item
  }

  /// With every strength at 1 the trained interpolator comes close to the reference latent
  /// (the 'interpolate all' loss); the same architecture untrained does not.
  func testEveryStrengthAtOneComesCloseToTheReference() throws {
    let trained = try HomoInterpModel.load(from: Self.checkpoint)
    trained.eval()
    let untrained = HomoInterpModel(config: trained.config, seed: 3)
    untrained.eval()
    let reached = try remainingDistance(trained)
    let untrainedDistance = try remainingDistance(untrained)
    XCTAssertLessThan(reached, 0.25, "trained: \(reached), untrained: \(untrainedDistance)")
    XCTAssertGreaterThan(untrainedDistance, 2 * reached, "trained: \(reached), untrained: \(untrainedDistance)")
  }

  /// With every strength at 0 the demo's interpolator returns the source latent exactly.
  func testEveryStrengthAtZeroReturnsTheSourceExactly() throws {
    let model = try HomoInterpModel.load(from: Self.checkpoint)
    model.eval()
    let (source, reference) = try latents(model)
    let zeros = [Float](repeating: 0, count: model.config.groups.count)
    XCTAssertEqual(try model.interpolate(source: source, reference: reference, strengths: zeros).scalars, source.scalars)
  }
}
