import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// CycleGAN layers and models: shapes, reflection padding, shape errors, domain splits.
final class CycleGANModelTests: XCTestCase {
  let split = CycleGANDomainSplit.attribute("Smiling")

  func testReflectionPadMatchesMirrorAndPassesGradients() throws {
    let x = Tensor(shape: [1, 1, 2, 3], scalars: [1, 2, 3, 4, 5, 6]).requiringGrad()
    let y = try ReflectionPad2d(1)(x)
    XCTAssertEqual(y.shape, [1, 1, 4, 5])
    // Rows: mirror of row 1, rows 0–1, mirror of row 0; same for columns.
    XCTAssertEqual(y.scalars, [5, 4, 5, 6, 5, 2, 1, 2, 3, 2, 5, 4, 5, 6, 5, 2, 1, 2, 3, 2])
    try y.sum().backward()
    // Gradient = number of copies: each row appears twice; columns 0 and 2 once, column 1 thrice.
    XCTAssertEqual(x.grad?.scalars, [2, 6, 2, 2, 6, 2])
    XCTAssertThrowsError(try ReflectionPad2d(3)(Tensor.zeros([1, 1, 3, 3])))
  }

  func testConvTransposeDoublesTheSide() throws {
    var rng = RandomGenerator(seed: 1)
    let up = ConvTranspose2d(4, 2, kernelSize: 3, stride: 2, padding: 1, rng: &rng)
    XCTAssertEqual(try up(Tensor.zeros([2, 4, 5, 5])).shape, [2, 2, 10, 10])
    let up4 = ConvTranspose2d(4, 2, kernelSize: 4, stride: 2, padding: 1, rng: &rng)
    XCTAssertEqual(try up4(Tensor.zeros([1, 4, 3, 3])).shape, [1, 2, 6, 6])
    XCTAssertThrowsError(try up(Tensor.zeros([1, 3, 5, 5])))
  }

  func testGeneratorsKeepShapeAndDiscriminatorGivesPatches() throws {
    for kind in CycleGANGeneratorKind.allCases {
      let model = try CycleGANModel(config: .tiny(split: split, generator: kind), seed: 2)
      var rng = RandomGenerator(seed: 3)
      let x = Tensor.rand([2, 3, 16, 16], low: -1, high: 1, rng: &rng)
      let y = try model.translate(x, .aToB)
      XCTAssertEqual(y.shape, [2, 3, 16, 16], "\(kind)")
      XCTAssertTrue(y.scalars.allSatisfy { abs($0) <= 1 }, "tanh output")
      XCTAssertNotEqual(y.scalars, try model.translate(x, .bToA).scalars, "two different generators")
      // 16 → 8 → 4 (two stride-2 layers), then two k4 s1 p1 convs: 3, 2.
      XCTAssertEqual(try model.discriminatorA(x).shape, [2, 1, 2, 2])
    }
    // The paper's 70×70 discriminator at 64 px: 64 → 32 → 16 → 8 → 7 → 6.
    let full = try CycleGANModel(config: CycleGANConfig(imageSize: 64, ngf: 4, ndf: 4, residualBlocks: 1, split: split), seed: 1)
    XCTAssertEqual(try full.discriminatorB(Tensor.zeros([1, 3, 64, 64])).shape, [1, 1, 6, 6])
  }

  func testWrongShapesAndConfigsThrowTypedErrors() throws {
    let model = try CycleGANModel(config: .tiny(split: split), seed: 1)
    XCTAssertThrowsError(try model.translate(Tensor.zeros([1, 3, 32, 32]), .aToB)) { error in
      XCTAssertTrue("\(error)".contains("[N, 3, 16, 16]"), "\(error)")
    }
    XCTAssertThrowsError(try model.translate(Tensor.zeros([1, 1, 16, 16]), .aToB))
    XCTAssertThrowsError(try CycleGANModel(config: CycleGANConfig(imageSize: 18, split: split), seed: 1))
    XCTAssertThrowsError(try CycleGANModel(config: CycleGANConfig(imageSize: 32, generator: .unet, unetDepth: 6, split: split), seed: 1))
    XCTAssertThrowsError(try CycleGANModel(config: CycleGANConfig(imageSize: 16, discriminatorLayers: 3, split: split), seed: 1))
  }

  func testDomainSplitParsingAndMembership() throws {
    XCTAssertEqual(try CycleGANDomainSplit.parse(group: nil, attribute: "Smiling"), .attribute("Smiling"))
    let expression = try CycleGANDomainSplit.parse(group: "expression", attribute: nil)
    XCTAssertEqual(expression.name, "expression")
    XCTAssertThrowsError(try CycleGANDomainSplit.parse(group: "nope", attribute: nil)) { XCTAssertTrue("\($0)".contains("known:")) }
    XCTAssertThrowsError(try CycleGANDomainSplit.parse(group: nil, attribute: "Smilling"))
    XCTAssertThrowsError(try CycleGANDomainSplit.parse(group: "expression", attribute: "Smiling"))
    XCTAssertThrowsError(try CycleGANDomainSplit.parse(group: nil, attribute: nil))
    var p = ToyFaceParameters()
    p.attributes = p.attributes.map { _ in 0.1 }
    XCTAssertFalse(expression.isDomainB(p))
    p.attributes[ToyFaceAttribute.mouthSlightlyOpen.index] = 0.9
    XCTAssertTrue(expression.isDomainB(p))
    XCTAssertFalse(CycleGANDomainSplit.attribute("Smiling").isDomainB(p))
    let groups = AttributeGroup.defaultGroups
    XCTAssertTrue(expression.concerns(groups[0]))
    XCTAssertFalse(expression.concerns(groups[2]))
  }

  func testHistoryPoolFillsThenSwaps() throws {
    var pool = ImageHistoryPool(capacity: 2, imageShape: [1, 1, 1])
    var rng = RandomGenerator(seed: 5)
    XCTAssertEqual(pool.query(Tensor(shape: [2, 1, 1, 1], scalars: [1, 2]), rng: &rng).scalars, [1, 2])
    XCTAssertEqual(pool.images, [[1], [2]])
    var seenOld = false
    for k in 0..<20 {
      let v = Float(10 + k)
      let out = pool.query(Tensor(shape: [1, 1, 1, 1], scalars: [v]), rng: &rng).scalars[0]
      if out != v { seenOld = true }
      XCTAssertEqual(pool.images.count, 2)
    }
    XCTAssertTrue(seenOld, "a full pool sometimes returns a stored image")
    var copy = ImageHistoryPool(capacity: 2, imageShape: [1, 1, 1])
    try copy.restore(pool.tensor, key: "pool")
    XCTAssertEqual(copy.images, pool.images)
    XCTAssertThrowsError(try copy.restore(Tensor.zeros([3, 1, 1, 1]), key: "pool"))
  }
}
