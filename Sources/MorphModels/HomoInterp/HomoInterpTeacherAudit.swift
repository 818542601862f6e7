import Foundation
import MorphTensor

/// How well a training run's attribute judges read each attribute on held-out faces.
///
/// The edit losses can only push an attribute its judges see: the attribute classifier
/// (teacher and pixel judge) on images and on the model's own reconstructions, the critic's
/// attribute heads on latents. An attribute one of them reads near chance is one training
/// cannot teach the interpolator to edit, whatever its loss weight.
public struct HomoInterpTeacherAudit: Codable, Sendable {
  /// Held-out faces scored.
  public var faces: Int
  /// Attribute names in the model's group order.
  public var attributes: [String]
  /// Share of faces where the label is present (the accuracy of always answering "absent" is 1 − this).
  public var baseRate: [Double]
  /// Classifier accuracy on the faces as loaded (no jitter); nil without a classifier.
  public var classifierOnImages: [Double]?
  /// Classifier accuracy on the model's reconstructions of the same faces.
  public var classifierOnReconstructions: [Double]?
  /// Critic attribute-head accuracy on the encoder's latents.
  public var criticOnLatents: [Double]
  /// Per attribute, among full-strength edits of its group towards a reference whose label
  /// differs from the source's (each face edited towards the next held-out face): the share
  /// the classifier reads as the reference's label on the decoded edit. Set against the
  /// oracle's transfer of `morph eval interpolation`, it says whether the judge is satisfied
  /// by edits the oracle rejects (a judge that is fooled cannot teach more). Nil without a
  /// classifier, or (per attribute) when no pair differs in it.
  public var classifierOnEdits: [Double?]?
  /// The same share for the critic's attribute heads on the edited latents.
  public var criticOnEdits: [Double?]?
  /// Per attribute, the number of edits the two edit columns count.
  public var editsCounted: [Int]?

  /// Scores `classifier` (when given) and `model`'s critic heads on up to `faces` held-out
  /// faces of `data`, in batches of `batchSize`.
  public static func measure(
    model: HomoInterpModel, classifier: HomoInterpAttributeClassifier?, data: HomoInterpData, faces: Int, batchSize: Int = 32
  ) throws -> HomoInterpTeacherAudit {
    let chosen = Array(data.heldOut.prefix(faces))
    guard !chosen.isEmpty else { throw HomoInterpError.badTraining("\(data.directory.path) has no held-out faces to audit") }
    let names = data.groups.flatMap(\.attributes)
    let k = names.count
    var present = [Int](repeating: 0, count: k)
    var hitsImage = present, hitsRecon = present, hitsCritic = present
    var edits = present, hitsEditClassifier = present, hitsEditCritic = present
    let groupOf = data.groups.enumerated().flatMap { g, group in group.attributes.map { _ in g } }
    // Counts, per attribute, the faces whose label matches `probabilities` thresholded at 0.5.
    func tally(_ probabilities: Tensor, _ targets: [Float], _ hits: inout [Int]) {
      let p = probabilities.scalars
      for i in 0..<(targets.count / k) {
        for a in 0..<k where (p[i * k + a] >= 0.5) == (targets[i * k + a] >= 0.5) { hits[a] += 1 }
      }
    }
    for start in stride(from: 0, to: chosen.count, by: batchSize) {
      let batch = Array(chosen[start..<min(chosen.count, start + batchSize)])
      let x = try data.images(batch, firstItem: start, jittered: false)
      let targets = data.targets(batch).scalars
      for i in 0..<batch.count { for a in 0..<k where targets[i * k + a] >= 0.5 { present[a] += 1 } }
      let latents = try model.encode(x)
      tally(try model.attributeProbabilities(latents), targets, &hitsCritic)
      if let classifier {
        tally(try withoutGrad { try classifier.logits(x).sigmoid() }, targets, &hitsImage)
        let recon = try model.decode(latents)
        tally(try withoutGrad { try classifier.logits(recon).sigmoid() }, targets, &hitsRecon)
      }
      guard batch.count > 1 else { continue }
      // Face i towards face i + 1 of the batch, one group at a time, at strength 1.
      let next = (0..<batch.count).map { ($0 + 1) % batch.count }
      let references = latents.indexSelect(next)
      for g in data.groups.indices {
        var strengths = [Float](repeating: 0, count: data.groups.count)
        strengths[g] = 1
        let edited = try model.interpolate(source: latents, reference: references, strengths: strengths)
        let critic = try model.attributeProbabilities(edited).scalars
        let judged = try classifier.map { c in try withoutGrad { try c.logits(try model.decode(edited)).sigmoid() }.scalars }
        for i in 0..<batch.count {
          for a in 0..<k where groupOf[a] == g {
            let want = targets[next[i] * k + a] >= 0.5
            guard want != (targets[i * k + a] >= 0.5) else { continue }
            edits[a] += 1
            if (critic[i * k + a] >= 0.5) == want { hitsEditCritic[a] += 1 }
            if let judged, (judged[i * k + a] >= 0.5) == want { hitsEditClassifier[a] += 1 }
          }
        }
      }
    }
    let n = Double(chosen.count)
    func share(_ counts: [Int]) -> [Double] { counts.map { Double($0) / n } }
    func perEdit(_ hits: [Int]) -> [Double?] { zip(hits, edits).map { $1 > 0 ? Double($0) / Double($1) : nil } }
    return HomoInterpTeacherAudit(
      faces: chosen.count, attributes: names, baseRate: share(present),
      classifierOnImages: classifier == nil ? nil : share(hitsImage),
      classifierOnReconstructions: classifier == nil ? nil : share(hitsRecon),
      criticOnLatents: share(hitsCritic), classifierOnEdits: classifier == nil ? nil : perEdit(hitsEditClassifier),
      criticOnEdits: perEdit(hitsEditCritic), editsCounted: edits)
  }
}
