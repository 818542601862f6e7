import Foundation
import MorphModels
import MorphTensor
import XCTest

/// Interpolating from cached branch outputs gives exactly what `interpolate` gives, so a slider
/// in `morph serve` can skip the branches and still draw the pipeline's pixels.
final class HomoInterpCachedBranchesTests: XCTestCase {
  func testCachedBranchesGiveTheSameLatentsBitForBit() throws {
    let model = try HomoInterpModel.load(from: HomoInterpDemoCheckpointTests.checkpoint)
    let c = model.config.latentChannels, s = model.config.latentSide, g = model.config.groups.count
    var rng = RandomGenerator(seed: 7)
    let source = Tensor.randn([1, c, s, s], rng: &rng)
    let reference = Tensor.randn([1, c, s, s], rng: &rng)
    let branches = try model.interpolationBranches(source: source, reference: reference)
    XCTAssertEqual(branches.outputs.count, model.config.branchCount)
    let rows: [([Float], Float?)] = [
      ([Float](repeating: 0, count: g), nil),
      ((0..<g).map { $0 == 0 ? 0.7 : 0 }, nil),
      ((0..<g).map { Float($0 % 3) * 0.65 }, 0.3),
      ([Float](repeating: 2, count: g), nil),
      ((0..<g).map { $0 == g - 1 ? 1.35 : 0 }, 0),
    ]
    for (strengths, residual) in rows {
      let direct = try model.interpolate(source: source, reference: reference, strengths: strengths, residualStrength: residual)
      let cached = try model.interpolate(branches, strengths: strengths, residualStrength: residual)
      XCTAssertEqual(cached.shape, direct.shape)
      XCTAssertTrue(cached.scalars == direct.scalars, "strengths \(strengths), residual \(String(describing: residual))")
    }
    XCTAssertThrowsError(try model.interpolate(branches, strengths: [Float](repeating: 3, count: g)))
    XCTAssertThrowsError(try model.interpolate(branches, strengths: [1]))
  }
}
