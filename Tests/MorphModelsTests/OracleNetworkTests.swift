import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// The oracle CNN: shapes, a learning step, and a checkpoint round trip.
final class OracleNetworkTests: XCTestCase {
  func faces(_ n: Int) -> ([EvalImage], [ToyFaceParameters]) {
    let renderer = ToyFaceRenderer(width: 64, height: 80)
    let params = (0..<n).map { ToyFaceSampler().parameters(seed: 4, index: $0) }
    return (params.map { EvalImage(renderer.render($0)) }, params)
  }

  func testForwardShapesTrainingStepAndCheckpointRoundTrip() throws {
    let (images, params) = faces(4)
    let net = OracleNetwork(seed: 3)
    let x = OracleNetwork.input(images)
    XCTAssertEqual(x.shape, [4, 3, 80, 64])
    let y = Tensor(shape: [4, ToyFaceAttribute.allCases.count], scalars: params.flatMap { $0.attributes.map(Float.init) })
    let before = mseLoss(try net(x), y).item
    let optimizer = Adam(net, learningRate: 1e-3)
    for _ in 0..<5 {
      let loss = mseLoss(try net(x), y)
      optimizer.zeroGrad()
      try loss.backward()
      optimizer.step()
    }
    let after = mseLoss(try net(x), y).item
    XCTAssertLessThan(after, before, "a few Adam steps on one batch must lower the loss")

    let url = FileManager.default.temporaryDirectory.appendingPathComponent("oracle-\(UUID().uuidString).safetensors")
    defer { try? FileManager.default.removeItem(at: url) }
    try net.save(to: url)
    let oracle = try AttributeOracle.load(url)
    let readings = try oracle.predict(images)
    XCTAssertEqual(readings.count, 4)
    XCTAssertEqual(readings[0].scores.count, ToyFaceAttribute.allCases.count)
    XCTAssertEqual(readings[0].features.count, OracleNetwork.featureCount)
    let direct = try withoutGrad { try net(x) }
    for (n, reading) in readings.enumerated() {
      for (k, s) in reading.scores.enumerated() {
        XCTAssertEqual(s, Double(direct.scalars[n * reading.scores.count + k]), accuracy: 1e-5)
      }
    }
  }
}
