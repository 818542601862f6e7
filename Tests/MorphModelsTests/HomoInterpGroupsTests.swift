import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// Adding and removing attribute groups of a trained model.
final class HomoInterpGroupsTests: XCTestCase {
  func testAddingAGroupKeepsEveryOtherWeightBitForBit() throws {
    let base = try HomoInterpModel(config: .tiny(groups: HomoInterpModelTests.groups), seed: 1).withInterpolatorPoolingGlobally()
    let glasses = AttributeGroup(name: "glasses", attributes: ["Eyeglasses"])
    let grown = try base.addingGroup(glasses, seed: 5)
    let k = base.config.groups.count
    XCTAssertEqual(grown.config.groups.map(\.name), base.config.groups.map(\.name) + ["glasses"])
    XCTAssertEqual(
      Set(grown.groupParameterNames("glasses")),
      Set(grown.namedParameters().map(\.name).filter {
        $0.hasPrefix("interpolator.branches.\(k).") || $0.hasPrefix("interpolator.globals.\(k).") || $0.hasPrefix("critic.classifiers.\(k).")
      }))
    let old = base.stateDict(), new = grown.stateDict()
    for (name, tensor) in old {
      // The residual branch moved one place up.
      let moved = HomoInterpModel.renumbered(name, from: k, to: k + 1, in: HomoInterpModel.branchPrefixes)
      XCTAssertEqual(new[moved]?.scalars, tensor.scalars, name)
    }
    XCTAssertEqual(new.count, old.count + grown.groupParameterNames("glasses").count)
    // Removing it again gives the base back exactly.
    let back = try grown.removingGroup("glasses").stateDict()
    XCTAssertEqual(Set(back.keys), Set(old.keys))
    for (name, tensor) in old { XCTAssertEqual(back[name]?.scalars, tensor.scalars, name) }

    // Every old group edits as before; the new one edits at all.
    var rng = RandomGenerator(seed: 2)
    let images = Tensor(shape: [2, 3, 32, 32], scalars: (0..<(2 * 3 * 32 * 32)).map { _ in rng.nextUniform() * 2 - 1 })
    base.eval()
    let f = try base.encode(images)
    let a = f.narrow(axis: 0, start: 0, length: 1), b = f.narrow(axis: 0, start: 1, length: 1)
    for g in 0..<k {
      var v = [Float](repeating: 0, count: k)
      v[g] = 0.8
      XCTAssertEqual(
        try grown.interpolate(source: a, reference: b, strengths: v + [0]).scalars,
        try base.interpolate(source: a, reference: b, strengths: v).scalars)
    }
    let edit = try grown.interpolate(source: a, reference: b, strengths: [Float](repeating: 0, count: k) + [1])
    XCTAssertNotEqual(edit.scalars, a.scalars)
    XCTAssertThrowsError(try grown.addingGroup(glasses, seed: 1)) { XCTAssertTrue("\($0)".contains("already has a group 'glasses'")) }
    XCTAssertThrowsError(try base.removingGroup("glasses")) { XCTAssertTrue("\($0)".contains("has no group 'glasses'")) }
  }

  func testRemovingAMiddleGroupRenumbersTheLaterOnes() throws {
    let base = HomoInterpModel(config: .tiny(groups: HomoInterpModelTests.groups), seed: 3)
    let name = base.config.groups[1].name
    let shrunk = try base.removingGroup(name)
    let old = base.stateDict(), new = shrunk.stateDict()
    XCTAssertEqual(new["interpolator.branches.1.0.weight"]?.scalars, old["interpolator.branches.2.0.weight"]?.scalars)
    XCTAssertEqual(new["critic.classifiers.1.weight"]?.scalars, old["critic.classifiers.2.weight"]?.scalars)
    XCTAssertEqual(new["interpolator.branches.0.0.weight"]?.scalars, old["interpolator.branches.0.0.weight"]?.scalars)
    XCTAssertEqual(shrunk.config.groups.count, base.config.groups.count - 1)
  }
}
