import MorphModels
import MorphTensor
import XCTest

/// Checkpoint averaging: the mean of several models' weights.
final class HomoInterpAveragingTests: XCTestCase {
  func testTheAverageIsTheMeanOfEveryTensorAndOfOneModelItself() throws {
    let config = HomoInterpConfig.tiny(groups: HomoInterpModelTests.groups)
    let a = HomoInterpModel(config: config, seed: 1), b = HomoInterpModel(config: config, seed: 2)
    let c = HomoInterpModel(config: config, seed: 3)
    let mean = try HomoInterpModel.averaging([a, b, c])
    let (sa, sb, sc, sm) = (a.stateDict(), b.stateDict(), c.stateDict(), mean.stateDict())
    XCTAssertEqual(Set(sm.keys), Set(sa.keys))
    var differing = 0
    for (name, m) in sm {
      let (x, y, z) = (sa[name]!.scalars, sb[name]!.scalars, sc[name]!.scalars)
      XCTAssertEqual(m.shape, sa[name]!.shape, name)
      for i in 0..<m.count {
        let expected = Float((Double(x[i]) + Double(y[i]) + Double(z[i])) / 3)
        XCTAssertEqual(m.scalars[i], expected, accuracy: 1e-7 * (1 + abs(expected)), name)
      }
      if x != y { differing += 1 }
    }
    // Biases start at 0 and norm scales at 1 in every model; the convolution weights differ.
    XCTAssertGreaterThan(differing, sm.count / 4, "differently seeded models differ, so the test can tell a mean from a copy")
    // One model, or one model several times: the model itself, to the last bit.
    for models in [[a], [a, a, a]] {
      let same = try HomoInterpModel.averaging(models).stateDict()
      for (name, t) in sa { XCTAssertEqual(same[name]!.scalars, t.scalars, name) }
    }
    // The averaged model runs: it encodes and decodes a face of the right shape.
    let x = Tensor(shape: [1, 3, config.imageSize, config.imageSize], scalars: [Float](repeating: 0.1, count: 3 * config.imageSize * config.imageSize))
    XCTAssertEqual(try mean.decode(mean.encode(x)).shape, x.shape)
  }

  func testModelsOfAnotherConfigurationOrNoneAreRefusedByName() throws {
    let config = HomoInterpConfig.tiny(groups: HomoInterpModelTests.groups)
    var other = config
    other.groups = Array(config.groups.prefix(1))
    let a = HomoInterpModel(config: config, seed: 1), b = HomoInterpModel(config: other, seed: 1)
    XCTAssertThrowsError(try HomoInterpModel.averaging([a, b], names: ["c1.safetensors", "c2.safetensors"])) {
      XCTAssertTrue("\($0)".contains("c2.safetensors has another configuration than c1.safetensors"), "\($0)")
    }
    XCTAssertThrowsError(try HomoInterpModel.averaging([])) { XCTAssertTrue("\($0)".contains("no models"), "\($0)") }
  }
}
