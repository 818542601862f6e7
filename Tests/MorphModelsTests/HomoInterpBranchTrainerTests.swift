import Foundation
import MorphNN
import MorphTensor
import XCTest

@testable import MorphModels

/// `morph train branch`'s trainer and data: a new group learns while every other weight stays
/// the same to the bit; bad labelled sets are clear errors.
final class HomoInterpBranchTrainerTests: XCTestCase {
  /// Ten synthetic faces in CelebA layout (8 train, 1 validation, 1 test).
  func faceSet() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("branch-\(UUID().uuidString)")
    addTeardownBlock { try? FileManager.default.removeItem(at: dir) }
    try ToyFaceSetWriter(seed: 5).write(count: 10, to: dir)
    return dir
  }

  func testOnlyTheNewGroupLearnsAndEveryOtherWeightStaysBitForBit() throws {
    let base = try HomoInterpModel(config: .tiny(groups: HomoInterpModelTests.groups), seed: 1).withInterpolatorPoolingGlobally()
    var rng = RandomGenerator(seed: 3)
    let images = Tensor(shape: [8, 3, 32, 32], scalars: (0..<(8 * 3 * 32 * 32)).map { _ in rng.nextUniform() * 2 - 1 })
    let labels: [Float] = [1, 0, 0, 1, 0, 1, 0, 0]
    var options = HomoInterpBranchTrainer.Options()
    options.steps = 4
    options.headSteps = 5
    options.batchSize = 4
    let group = AttributeGroup(name: "glasses", attributes: ["Eyeglasses"])
    let (model, report) = try HomoInterpBranchTrainer(options: options).train(base: base, group: group, images: images, labels: labels)
    XCTAssertEqual(report.faces, 8)
    XCTAssertEqual(report.withAttribute, 3)
    let before = base.stateDict(), after = model.stateDict()
    let k = base.config.groups.count
    for (name, tensor) in before {
      XCTAssertEqual(after[HomoInterpModel.renamedForAddedGroup(name, groupCount: k)]?.scalars, tensor.scalars, name)
    }
    // The new weights moved from where a fresh group starts.
    let fresh = try base.addingGroup(group, seed: options.seed).stateDict()
    for name in model.groupParameterNames("glasses") where name.hasSuffix("weight") {
      XCTAssertNotEqual(after[name]?.scalars, fresh[name]?.scalars, name)
    }
    XCTAssertThrowsError(
      try HomoInterpBranchTrainer(options: options).train(base: base, group: group, images: images, labels: [Float](repeating: 1, count: 8))
    ) { XCTAssertTrue("\($0)".contains("one class only"), "\($0)") }
  }

  func testLabelledSetsAndTheirErrors() throws {
    let dir = try faceSet()
    let set = try HomoInterpBranchData(directory: dir, labels: nil, attribute: "Smiling")
    XCTAssertEqual(set.files.count, 9, "the test face is left out")
    XCTAssertEqual(set.files.first?.lastPathComponent, "000001.jpg")
    let images = try set.images(0..<2, size: 32)
    XCTAssertEqual(images.shape, [2, 3, 32, 32])
    func problem(_ body: () throws -> Void) -> String {
      do {
        try body()
        return "no error"
      } catch { return "\(error)" }
    }
    let unknown = problem { _ = try HomoInterpBranchData(directory: dir, labels: nil, attribute: "Smilng") }
    XCTAssertTrue(unknown.contains("unknown attribute 'Smilng'") && unknown.contains("did you mean 'Smiling'?"), unknown)

    let folder = dir.appendingPathComponent("img_align_celeba")
    let csv = dir.appendingPathComponent("labels.csv")
    try "file,Freckles\n000001.jpg,1\n000002.jpg,-1\n000003.jpg,0\n".write(to: csv, atomically: true, encoding: .utf8)
    let freckles = try HomoInterpBranchData(directory: folder, labels: csv, attribute: "Freckles")
    XCTAssertEqual(freckles.labels, [1, 0, 0])
    try "file,Freckles\n000001.jpg,1\nnobody.jpg,-1\n".write(to: csv, atomically: true, encoding: .utf8)
    let absent = problem { _ = try HomoInterpBranchData(directory: folder, labels: csv, attribute: "Freckles") }
    XCTAssertTrue(absent.contains("labels.csv:3: unknown file nobody.jpg"), absent)
    try "file,Freckles\n000001.jpg,1\n000002.jpg,1\n".write(to: csv, atomically: true, encoding: .utf8)
    let one = problem { _ = try HomoInterpBranchData(directory: folder, labels: csv, attribute: "Freckles") }
    XCTAssertTrue(one.contains("one class only: all 2 labelled training faces in \(csv.path) are Freckles"), one)
  }
}
