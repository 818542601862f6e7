import Foundation
import MorphModels
import Yams

/// The `phases:` list of `homointerp.train` (and of `morph train homointerp --phases FILE`):
/// each entry a `TrainingPhase`, written as
///
/// ```yaml
/// phases:
///   - name: judge
///     steps: 12000
///     train: classifier
///   - name: warm-up
///     steps: 4000
///     train: [encoder, decoder, projection]
///     lr: 5e-4
///   - name: edits
///     until: 40000                  # the global step it ends at (instead of steps)
///     freeze: [encoder, decoder, projection]
///     retrain_classifier: 12000     # a judge afresh at its start…
///     refresh_classifier_every: 2000  # …and again every 2,000 steps
///     classifier_mixup: 0.5
///   - name: polish
///     steps: 8000
///     train: decoder
///     lr: 5e-5
///     schedule: cosine
///     lambda_rec: 300
/// ```
///
/// A field a phase does not give takes the stage's parameter of the same name (`lr`,
/// `n_critic`, `single_group`, `full_strength`, `classifier_mixup`, `refresh_classifier_every`,
/// `classifier_seed`, every `lambda_*`), so the stage's parameters are the defaults of every phase.
public enum HomoInterpPhases {
  /// Fields only a phase has.
  static let ownFields = ["name", "steps", "until", "train", "freeze", "schedule", "retrain_classifier"]
  /// Fields that override the stage's parameter of the same name.
  static let stageFields = ["lr", "n_critic", "single_group", "full_strength", "classifier_mixup", "refresh_classifier_every", "classifier_seed"]
  static var fields: [String] { ownFields + stageFields + HomoInterpLossWeights.recipeNames.map(\.name) }

  static let summary =
    "Training phases in order (empty = classifier_steps, warmup, the full objective, decoder_polish): each `- name:` with `steps:` (or `until:` a global step), "
    + "`train:`/`freeze:` parts (encoder, decoder, projection, interpolator, critic, classifier), `lr`, `schedule` (constant, cosine, steps), "
    + "`retrain_classifier` (a judge afresh at its start, N steps), and any of lr, n_critic, single_group, full_strength, classifier_mixup, "
    + "refresh_classifier_every, classifier_seed, lambda_* to override the stage's value for that phase."

  /// The phases `records` describe, their defaults from `base` (the stage's options), checked
  /// as a schedule (`TrainingSchedule.validate`). Throws the entry and field at fault.
  public static func resolve(_ records: [ParameterRecord], base: HomoInterpTrainingOptions) throws -> [TrainingPhase] {
    var phases: [TrainingPhase] = []
    var end = 0
    for (i, record) in records.enumerated() {
      func fail(_ field: String?, _ message: String) -> ListProblem { ListProblem(index: i, field: field, message) }
      for field in record.fields where !fields.contains(field.key) {
        throw fail(field.key, "unknown phase field `\(field.key)`" + Suggest.hint(field.key, among: fields))
      }
      func number<T>(_ key: String, _ parse: (String) -> T?, _ what: String) throws -> T? {
        guard let text = record[key] else { return nil }
        guard let value = parse(text.trimmingCharacters(in: .whitespaces)) else { throw fail(key, "`\(text)` is not \(what)") }
        return value
      }
      guard let name = record["name"]?.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
        throw fail("name", "a phase needs a `name` (shown on the progress line)")
      }
      // Length: `steps`, or `until` the global step the phase ends at.
      let length: Int
      switch (try number("steps", { Int($0) }, "an integer"), try number("until", { Int($0) }, "an integer")) {
      case (let steps?, nil):
        guard steps > 0 else { throw fail("steps", "a phase must last at least one step, got \(steps)") }
        length = steps
      case (nil, let until?):
        guard until > end else {
          throw fail(
            "until",
            until == end
              ? "ends at step \(until), where it starts: a phase must last at least one step"
              : "ends at step \(until), inside the previous phase (which ends at step \(end)): phases may not overlap")
        }
        length = until - end
      case (.some, .some): throw fail("until", "give `steps` (its length) or `until` (the step it ends at), not both")
      case (nil, nil): throw fail(nil, "phase `\(name)` needs `steps` (its length) or `until` (the global step it ends at)")
      }
      end += length
      // Parts: `train` (default: the whole model), minus `freeze`.
      func parts(_ key: String) throws -> [ModelPart]? {
        guard let text = record[key] else { return nil }
        return try HomoInterpParameters.nameList(text).map { word in
          guard let part = ModelPart(rawValue: word) else {
            throw fail(key, "unknown part `\(word)`" + Suggest.hint(word, among: ModelPart.allCases.map(\.rawValue)))
          }
          return part
        }
      }
      let frozen = Set(try parts("freeze") ?? [])
      let trains = (try parts("train") ?? ModelPart.model).filter { !frozen.contains($0) }
      let judgePhase = trains == [.classifier]
      let shape = try number("schedule", { LearningRateSchedule(rawValue: $0) }, "a schedule (constant, cosine, steps)")
      var weights = base.weights
      for (key, keyPath) in HomoInterpLossWeights.recipeNames {
        guard let value = try number(key, { Double($0) }, "a number") else { continue }
        weights[keyPath: keyPath] = Float(value)
      }
      let retrain = try number("retrain_classifier", { Int($0) }, "an integer") ?? 0
      guard retrain >= 0 else { throw fail("retrain_classifier", "must be ≥ 0 (0: keep the judge), got \(retrain)") }
      let seed = try number("classifier_seed", { Int($0) }, "an integer")
      guard (seed ?? 0) >= 0 else { throw fail("classifier_seed", "must be ≥ 0, got \(seed ?? 0)") }
      let refresh = try number("refresh_classifier_every", { Int($0) }, "an integer") ?? base.classifierRefreshEvery ?? 0
      let mixup = try number("classifier_mixup", { Double($0) }, "a number") ?? base.classifierMixup ?? 0
      let judge = JudgeSchedule(
        steps: retrain > 0 ? retrain : base.classifierSteps, freshAtStart: retrain > 0, refreshEvery: refresh == 0 ? nil : refresh,
        seed: seed.map(UInt64.init) ?? base.classifierSeed, mixup: mixup == 0 ? nil : mixup)
      let fullStrength = try number("full_strength", { Double($0) }, "a number") ?? base.fullStrengthProbability ?? 0
      phases.append(
        TrainingPhase(
          name: name, steps: length, trains: trains,
          learningRate: try number("lr", { Float($0) }, "a number") ?? (judgePhase ? base.classifierLearningRate : base.learningRate),
          schedule: shape ?? (judgePhase ? .steps : .constant), weights: weights,
          nCritic: try number("n_critic", { Int($0) }, "an integer") ?? base.nCritic,
          singleGroupProbability: try number("single_group", { Double($0) }, "a number") ?? base.singleGroupProbability,
          fullStrengthProbability: fullStrength == 0 ? nil : fullStrength, judge: judge))
    }
    do {
      try TrainingSchedule(phases).validate(teacherIsClassifier: base.teacherVGG19 == nil)
    } catch let error as TrainingScheduleError {
      // Point at the field the entry wrote: its length as `until`, its parts as `train`.
      let record = records.indices.contains(error.phase) ? records[error.phase] : ParameterRecord([])
      var field = error.field
      if field == "steps", record["steps"] == nil { field = "until" }
      if field == "freeze", record["freeze"] == nil { field = "train" }
      throw ListProblem(index: error.phase, field: field, error.message)
    }
    return phases
  }

  /// Reads a YAML file holding a list of phases (as under `phases:` in a recipe) with the
  /// defaults of `base`; a problem is reported as `FILE:LINE:COLUMN: message`.
  public static func load(_ url: URL, base: HomoInterpTrainingOptions) throws -> [TrainingPhase] {
    let text: String
    do { text = try String(contentsOf: url, encoding: .utf8) } catch {
      throw PipelineError.file(path: url.path, message: "cannot read the phases file as UTF-8 text")
    }
    let root: Node?
    do { root = try Yams.compose(yaml: text) } catch let error as YamlError { throw RecipeParser.yamlError(error, file: url.path) }
    try root.map { try RecipeParser.checkTags($0, file: url.path) }
    // A file may hold the list itself, or a mapping with `phases:` (a recipe's stage block).
    let listNode = root?.sequence != nil ? root : root?.mapping?["phases"]
    guard let list = listNode?.sequence else {
      let at = RecipeParser.position(of: root)
      throw PipelineError.recipe(file: url.path, line: at.line, column: at.column, message: "a phases file is a list of phases (`- name: …`)")
    }
    let entries = try list.map { try RecipeParser.parseListEntry($0, of: "phases", file: url.path) }
    let records = entries.map { ParameterRecord($0.fields.map { ParameterRecord.Field($0.key.value, $0.value.value) }) }
    do { return try resolve(records, base: base) } catch let problem as ListProblem {
      let entry = entries[min(problem.index, entries.count - 1)]
      let at = problem.field.flatMap { f in entry.fields.first { $0.key.value == f }?.value.position } ?? entry.position
      throw PipelineError.recipe(file: url.path, line: at.line, column: at.column, message: "phase \(problem.index + 1): \(problem.message)")
    }
  }
}
