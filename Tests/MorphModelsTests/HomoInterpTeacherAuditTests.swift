import Foundation
import MorphTensor
import XCTest

@testable import MorphModels

final class HomoInterpTeacherAuditTests: XCTestCase {
  /// Judges forced to one answer score exactly the share of faces that answer is right for:
  /// "always present" the base rate, "always absent" its complement.
  func testAuditCountsAgainstTheLabelsOfTheHeldOutFaces() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("teacher-audit-\(UUID().uuidString)")
    defer { try? FileManager.default.removeItem(at: dir) }
    try ToyFaceSetWriter(seed: 5).write(count: 40, to: dir)
    let groups = [
      AttributeGroup(name: "expression", attributes: ["Mouth_Slightly_Open", "Smiling"]),
      AttributeGroup(name: "gender", attributes: ["Male", "No_Beard"]),
    ]
    var options = HomoInterpTrainingOptions()
    options.batchSize = 4
    options.classifierSteps = 1
    options.warmupSteps = 0
    options.jitter = false
    let config = HomoInterpConfig.tiny(groups: groups)
    let data = try HomoInterpData(directory: dir, groups: config.groups, imageSize: config.imageSize, jitter: nil, seed: 1)
    let trainer = try HomoInterpTrainer(config: config, data: data, options: options)
    let classifier = try XCTUnwrap(trainer.classifier)
    var state = classifier.stateDict()
    let head = try XCTUnwrap(state["head.weight"]), bias = try XCTUnwrap(state["head.bias"])
    state["head.weight"] = .zeros(head.shape)
    state["head.bias"] = Tensor(shape: bias.shape, scalars: [Float](repeating: 10, count: bias.count))
    try classifier.load(stateDict: state)
    var critic = trainer.model.critic.stateDict()
    for (name, value) in critic where name.hasPrefix("classifiers.") {
      critic[name] = name.hasSuffix(".bias") ? Tensor(shape: value.shape, scalars: [Float](repeating: -10, count: value.count)) : .zeros(value.shape)
    }
    try trainer.model.critic.load(stateDict: critic)

    let audit = try HomoInterpTeacherAudit.measure(model: trainer.model, classifier: classifier, data: data, faces: 100, batchSize: 3)
    let heldOut = data.heldOut
    XCTAssertEqual(audit.faces, heldOut.count)
    XCTAssertEqual(audit.attributes, ["Mouth_Slightly_Open", "Smiling", "Male", "No_Beard"])
    for a in 0..<4 {
      let present = Double(heldOut.filter { $0.targets[a] >= 0.5 }.count) / Double(heldOut.count)
      XCTAssertEqual(audit.baseRate[a], present, accuracy: 1e-12)
      XCTAssertEqual(try XCTUnwrap(audit.classifierOnImages)[a], present, accuracy: 1e-12)
      XCTAssertEqual(try XCTUnwrap(audit.classifierOnReconstructions)[a], present, accuracy: 1e-12)
      XCTAssertEqual(audit.criticOnLatents[a], 1 - present, accuracy: 1e-12)
    }
    XCTAssertTrue(audit.baseRate.contains { $0 > 0 && $0 < 1 }, "the faces disagree on some attribute, so the check can fail")

    // Edits: face i of each batch of 3 towards face i + 1 (cyclically), counted where the two
    // labels differ; "always present" is right exactly when the reference has the attribute.
    var differing = [Int](repeating: 0, count: 4), referencePresent = differing
    for start in stride(from: 0, to: heldOut.count, by: 3) {
      let batch = Array(heldOut[start..<min(heldOut.count, start + 3)])
      guard batch.count > 1 else { continue }
      for i in batch.indices {
        let reference = batch[(i + 1) % batch.count]
        for a in 0..<4 where (batch[i].targets[a] >= 0.5) != (reference.targets[a] >= 0.5) {
          differing[a] += 1
          if reference.targets[a] >= 0.5 { referencePresent[a] += 1 }
        }
      }
    }
    XCTAssertEqual(audit.editsCounted, differing)
    XCTAssertTrue(differing.contains { $0 > 0 })
    for a in 0..<4 where differing[a] > 0 {
      let share = Double(referencePresent[a]) / Double(differing[a])
      XCTAssertEqual(try XCTUnwrap(audit.classifierOnEdits?[a]), share, accuracy: 1e-12)
      XCTAssertEqual(try XCTUnwrap(audit.criticOnEdits?[a]), 1 - share, accuracy: 1e-12)
    }

    let limited = try HomoInterpTeacherAudit.measure(model: trainer.model, classifier: nil, data: data, faces: 2)
    XCTAssertEqual(limited.faces, 2)
    XCTAssertNil(limited.classifierOnImages)
    XCTAssertThrowsError(try HomoInterpTeacherAudit.measure(model: trainer.model, classifier: nil, data: data, faces: 0))
  }
}
