import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// Branch grafting: one group's interpolator branch taken from another snapshot of a run.
final class HomoInterpGraftingTests: XCTestCase {
  /// A base with pooled branches, and a donor sharing its encoder and decoder (as snapshots of
  /// a run with a frozen autoencoder do) whose interpolator and critic differ everywhere.
  func models() throws -> (base: HomoInterpModel, donor: HomoInterpModel) {
    let base = try HomoInterpModel(config: .tiny(groups: HomoInterpModelTests.groups), seed: 1).withInterpolatorPoolingGlobally()
    let other = try HomoInterpModel(config: .tiny(groups: HomoInterpModelTests.groups), seed: 2).withInterpolatorPoolingGlobally()
    var state = other.stateDict()
    for (name, tensor) in base.stateDict() where name.hasPrefix("encoder.") || name.hasPrefix("decoder.") { state[name] = tensor }
    var rng = RandomGenerator(seed: 9)
    for (name, tensor) in state where name.hasPrefix("interpolator.globals.") {
      // Pooled terms start at zero; give the donor's some weight so a copy can be told apart.
      state[name] = Tensor(shape: tensor.shape, scalars: (0..<tensor.count).map { _ in rng.nextUniform() * 0.2 - 0.1 })
    }
    let donor = HomoInterpModel(config: base.config, seed: 0, initialise: false)
    try donor.load(stateDict: state, strict: true)
    donor.eval()
    base.eval()
    return (base, donor)
  }

  func testTheNamedGroupEditsAsTheDonorAndEveryOtherAsTheBase() throws {
    let (base, donor) = try models()
    let grafted = try HomoInterpModel.grafting(base, branches: ["age": donor])
    let k = try XCTUnwrap(base.config.groups.firstIndex { $0.name == "age" })
    let (sb, sd, sg) = (base.stateDict(), donor.stateDict(), grafted.stateDict())
    var fromDonor = 0
    for (name, tensor) in sg {
      let ownBranch = name.hasPrefix("interpolator.branches.\(k).") || name.hasPrefix("interpolator.globals.\(k).")
      XCTAssertEqual(tensor.scalars, (ownBranch ? sd : sb)[name]!.scalars, name)
      if ownBranch {
        fromDonor += 1
      }
      if ownBranch && name.hasSuffix(".weight") {
        // Biases start at 0 in both; the weights differ.
        XCTAssertNotEqual(tensor.scalars, sb[name]!.scalars, "\(name): the donor's differs from the base's, so the test can tell them apart")
      }
    }
    XCTAssertEqual(fromDonor, 8, "three convolutions and the pooled term, weight and bias each")

    let n = base.config.imageSize
    var rng = RandomGenerator(seed: 4)
    let faces = Tensor(shape: [2, 3, n, n], scalars: (0..<(6 * n * n)).map { _ in rng.nextUniform() * 2 - 1 })
    let f = try base.encode(faces)
    let (fa, fb) = (f.narrow(axis: 0, start: 0, length: 1), f.narrow(axis: 0, start: 1, length: 1))
    var strengths = [Float](repeating: 0, count: base.config.groups.count)
    strengths[k] = 0.7
    XCTAssertEqual(
      try grafted.interpolate(source: fa, reference: fb, strengths: strengths).scalars,
      try donor.interpolate(source: fa, reference: fb, strengths: strengths).scalars)
    strengths[k] = 0
    strengths[(k + 1) % strengths.count] = 0.7
    let plain = try base.interpolate(source: fa, reference: fb, strengths: strengths).scalars
    XCTAssertEqual(try grafted.interpolate(source: fa, reference: fb, strengths: strengths).scalars, plain)
    XCTAssertNotEqual(try donor.interpolate(source: fa, reference: fb, strengths: strengths).scalars, plain)
  }

  func testADonorOfAnotherLatentSpaceConfigurationOrGroupIsRefusedByName() throws {
    let (base, donor) = try models()
    let stranger = try HomoInterpModel(config: base.config, seed: 3).withInterpolatorPoolingGlobally()
    XCTAssertThrowsError(try HomoInterpModel.grafting(base, branches: ["age": stranger], names: ["age": "c2.safetensors"])) {
      XCTAssertTrue("\($0)".contains("c2.safetensors has another encoder or decoder than the base"), "\($0)")
    }
    XCTAssertThrowsError(try HomoInterpModel.grafting(base, branches: ["hat": donor])) {
      XCTAssertTrue("\($0)".contains("no group 'hat'"), "\($0)")
    }
    let plain = HomoInterpModel(config: .tiny(groups: HomoInterpModelTests.groups), seed: 1)
    XCTAssertThrowsError(try HomoInterpModel.grafting(plain, branches: ["age": donor], names: ["age": "c4.safetensors"])) {
      XCTAssertTrue("\($0)".contains("c4.safetensors has another configuration"), "\($0)")
    }
    // Nothing grafted: the base's weights, to the bit.
    let same = try HomoInterpModel.grafting(base, branches: [:]).stateDict()
    for (name, tensor) in base.stateDict() { XCTAssertEqual(same[name]!.scalars, tensor.scalars, name) }
  }
}
