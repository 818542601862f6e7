import ArgumentParser
import Foundation
import MorphModels
import MorphNN

/// `morph train branch`: a new attribute group on a trained checkpoint, from a few labelled faces.
struct TrainBranchCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "branch",
    abstract: "Teach a trained checkpoint a new attribute group from a few hundred labelled faces.",
    discussion: """
      Trains one new interpolator branch and its critic head for --attribute, with the encoder, \
      decoder, critic trunk and every other branch and head frozen (their weights are written \
      unchanged, bit for bit), and writes --out: the checkpoint with the group added, so \
      'strength.GROUP' works in every recipe. The faces are aligned CelebA-layout images: a \
      CelebA-layout folder (list_attr_celeba.txt; 'morph fixtures toyfaces' writes one), or any \
      folder with --labels, a CSV whose header names the file column and then the attributes \
      (1 / -1 / 0, an optional split column). Test-split faces are left out. With --eval-data \
      and --oracle (synthetic faces only), the new group's edit success on held-out pairs is \
      printed and recorded in the checkpoint's JSON.
      """)

  @Option(help: "The trained checkpoint (.safetensors with its .json).") var checkpoint: String
  @Option(help: "The attribute to learn (a column of the labels).") var attribute: String
  @Option(help: "Folder of labelled faces (CelebA layout, or any folder with --labels).") var data: String
  @Option(help: "CSV of labels for the images in --data (default: --data is a CelebA-layout folder).") var labels: String?
  @Option(help: "Name of the new group (default: the attribute's name).") var group: String?
  @Option(help: "Output checkpoint (.safetensors; the .json is written beside it).") var out: String
  @Option(help: "Use the first N labelled training faces (0: all).") var limit: Int = 0
  @Option(help: "Branch training steps.") var steps: Int = 300
  @Option(help: "Pairs per step.") var batch: Int = 16
  @Option(help: "Seed of the new weights and the pairs.") var seed: UInt64 = 1
  @Option(help: "Stored precision of --out: f32 or f16.") var dtype: String = "f32"
  @Option(help: "Synthetic face set to measure the new group's edit success on (its test split).") var evalData: String?
  @Option(help: "Oracle checkpoint for --eval-data.") var oracle: String?
  @Option(help: "Held-out pairs for --eval-data.") var evalPairs: Int = 200

  func run() throws {
    guard let storage = Safetensors.DType(rawValue: dtype.uppercased()) else {
      throw ValidationError("--dtype must be f32 or f16, not '\(dtype)'")
    }
    guard limit >= 0, steps > 0, batch > 0, evalPairs > 0 else {
      throw ValidationError("--limit must be ≥ 0 and --steps, --batch, --eval-pairs positive")
    }
    guard (evalData == nil) == (oracle == nil) else { throw ValidationError("--eval-data and --oracle go together") }
    let start = Date()
    let loaded = try HomoInterpModel.loadCheckpoint(from: URL(fileURLWithPath: checkpoint))
    let base = loaded.model
    let name = group ?? attribute
    let faces = try HomoInterpBranchData(
      directory: URL(fileURLWithPath: data), labels: labels.map { URL(fileURLWithPath: $0) }, attribute: attribute, limit: limit)
    let (with, without) = faces.counts
    print("\(faces.files.count) labelled faces: \(with) with \(attribute), \(without) without")
    let images = try faces.images(0..<faces.files.count, size: base.config.imageSize)
    var options = HomoInterpBranchTrainer.Options()
    options.steps = steps
    options.batchSize = batch
    options.seed = seed
    let (model, report) = try HomoInterpBranchTrainer(options: options).train(
      base: base, group: AttributeGroup(name: name, attributes: [attribute]), images: images, labels: faces.labels
    ) { line in
      print(line)
      fflush(stdout)
    }
    // Everything but the new group is the base's, to the bit.
    let before = base.stateDict(), after = model.stateDict(), own = Set(model.groupParameterNames(name))
    let k = base.config.groups.count
    for (key, tensor) in before {
      let moved = HomoInterpModel.renamedForAddedGroup(key, groupCount: k)
      guard let copy = after[moved], !own.contains(moved), copy.scalars == tensor.scalars else {
        throw ValidationError("internal check failed: '\(key)' changed while training the new branch")
      }
    }
    var metadata = loaded.info.metadata
    metadata["branch_added"] = name
    metadata["branch_training"] = String(
      format: "%@ from %d faces of %@ (%d with, %d without; labels %@), %d steps of %d pairs, head accuracy %.3f, %.0f s",
      attribute, report.faces, data, with, without, faces.hash, steps, batch, report.headAccuracy, report.seconds)
    metadata["resumable"] = "no (written by morph train branch)"
    if let evalData, let oracle {
      let records = try ToyFaceSetReader.read(URL(fileURLWithPath: evalData))
      let pairs = try EvalPair.select(from: records, count: evalPairs, seed: 1, group: AttributeGroup(name: name, attributes: [attribute]))
      let evaluation = try InterpolationEvaluation(
        renderer: ToyFaceRenderer(width: 178, height: 218), strengths: [0, 1], oracle: try AttributeOracle.load(URL(fileURLWithPath: oracle)),
        samplePairs: 0)
      let result = try evaluation.run(methods: [try HomoInterpEvalMethod.method(.homointerp, model: model.copy())], pairs: pairs)
      let overall = result.reports[0].overall
      let line = String(
        format: "%@ on %d held-out pairs: edit success %.3f, transfer %.3f, preservation %.3f", name, pairs.count,
        overall.editSuccess ?? 0, overall.transfer ?? 0, overall.preservation ?? 0)
      print(line)
      metadata["branch_evaluation"] = line + " (oracle \(URL(fileURLWithPath: oracle).lastPathComponent), data \(evalData))"
    }
    let target = URL(fileURLWithPath: out)
    try model.save(to: target, step: loaded.info.step, metadata: metadata, extra: [:], dtype: storage)
    print(
      String(
        format: "wrote %@ with group '%@' added (%.0f s; the other groups' weights unchanged)", target.path, name,
        Date().timeIntervalSince(start)))
  }
}
