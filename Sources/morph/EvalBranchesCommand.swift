import ArgumentParser
import Foundation
import MorphImaging
import MorphModels
import MorphNN

/// `morph eval branches`: per attribute group, the snapshot whose interpolator branch edits
/// best, grafted onto the base checkpoint.
struct EvalBranchesCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "branches",
    abstract: "Choose each group's interpolator branch among snapshots of a run by edit success, and write the combination.",
    discussion: """
      An edit of one attribute group runs only that group's interpolator branch, and snapshots \
      of a run whose autoencoder was frozen share one latent space, so each group can take its \
      branch from the snapshot that edits it best. For every group (--groups, default all the \
      base's groups), --pairs held-out pairs edited in that group are drawn from --data \
      (seeded by --seed, the pairs 'morph eval compare --groups G' draws); every checkpoint \
      (the base first) edits them with plain interpolation and the oracle's edit success scores \
      it. The best per group wins (ties keep the earlier checkpoint), and --out gets the base \
      with the winning branches (as 'morph export BASE --branch G=WINNER'), its JSON recording \
      the choice; --report writes the scores as JSON, and the table is printed.

      Choose on faces neither trained on nor used for the evaluation you report: a set \
      rendered with another seed ('morph fixtures toyfaces --seed 99 …') is one. Scores chosen \
      on the reported pairs would flatter them.
      """)

  @Argument(help: "The base checkpoint, then the candidate snapshots (.safetensors with their .json).")
  var checkpoints: [String]
  @Option(help: "Synthetic face set to choose on (written by 'morph fixtures toyfaces').") var data: String
  @Option(help: "Oracle checkpoint from 'morph train oracle'.") var oracle: String
  @Option(help: "Held-out pairs per group.") var pairs: Int = 200
  @Option(help: "Comma-separated groups to choose branches for (default: every group of the base that the faces model).")
  var groups: String?
  @Option(help: "Comma-separated strengths, rising from 0 to 1.") var strengths: String = "0,0.25,0.5,0.75,1"
  @Option(help: "Seed for choosing pairs.") var seed: UInt64 = 1
  @Option(help: "Output checkpoint: the base with the chosen branches (.safetensors; the .json beside it).") var out: String
  @Option(help: "Also write the scores as JSON here.") var report: String?
  @Option(help: "Stored precision of --out: f32 or f16.") var dtype: String = "f16"

  func run() throws {
    guard let storage = Safetensors.DType(rawValue: dtype.uppercased()) else {
      throw ValidationError("--dtype must be f32 or f16, not '\(dtype)'")
    }
    guard checkpoints.count >= 2 else { throw ValidationError("give the base checkpoint and at least one candidate") }
    guard pairs > 0 else { throw ValidationError("--pairs must be positive, got \(pairs)") }
    if let report, URL(fileURLWithPath: report).standardizedFileURL == HomoInterpModel.checkpointPaths(URL(fileURLWithPath: out)).metadata.standardizedFileURL {
      throw ValidationError("--report \(report) is where the checkpoint's JSON goes (beside --out): name another file")
    }
    let urls = checkpoints.map { URL(fileURLWithPath: $0) }
    guard Set(urls.map(\.standardizedFileURL.path)).count == urls.count else { throw ValidationError("a checkpoint is named twice") }
    // File names label the table, unless two share one (run1/homointerp…, run2/homointerp…).
    let short = urls.map(\.lastPathComponent)
    let names = Set(short).count == short.count ? short : checkpoints
    // Load everything first: a mismatched configuration or latent space stops before the hours of scoring.
    let models = try urls.map { try HomoInterpModel.loadCheckpoint(from: $0) }
    let base = models[0].model
    let modelled = Set(ToyFaceAttribute.modelledGroups.map(\.name))
    let chosenGroups =
      groups.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
      ?? base.config.groups.map(\.name).filter { modelled.contains($0) }
    guard !chosenGroups.isEmpty else { throw ValidationError("no groups to choose branches for") }
    for name in chosenGroups where !base.config.groups.contains(where: { $0.name == name }) {
      throw ValidationError("group '\(name)' is not one of the base's (\(base.config.groups.map(\.name).joined(separator: ", ")))")
    }
    for (i, loaded) in models.enumerated().dropFirst() { try HomoInterpModel.checkDonor(loaded.model, of: base, label: names[i]) }

    let start = Date()
    let records = try ToyFaceSetReader.read(URL(fileURLWithPath: data))
    let evaluation = try InterpolationEvaluation(
      renderer: ToyFaceRenderer(width: 178, height: 218), strengths: try EvalStrengths.parse(strengths),
      oracle: try AttributeOracle.load(URL(fileURLWithPath: oracle)), samplePairs: 0)
    let methods = try models.map { try HomoInterpEvalMethod.method(.homointerp, model: $0.model) }
    let selection = try BranchSelection.run(
      candidates: methods, names: names, groups: chosenGroups, records: records, pairs: pairs, seed: seed, evaluation: evaluation
    ) { name, group, score in
      print(String(format: "%@ %@: edit success %.3f (%.0f s)", group, name, score, Date().timeIntervalSince(start)))
      fflush(stdout)
    }
    print(selection.markdown, terminator: "")

    let donors = selection.grafts
    var branches: [String: HomoInterpModel] = [:]
    for (g, c) in selection.picks.enumerated() where c != 0 { branches[chosenGroups[g]] = models[c].model }
    let grafted = try HomoInterpModel.grafting(base, branches: branches, names: donors)
    let summary = HomoInterpModel.graftSummary(donors)
    var metadata = models[0].info.metadata
    metadata["grafted_branches"] = donors.isEmpty ? "none (the base scored best in every group)" : summary
    metadata["branch_selection"] = "edit success on \(pairs) pairs per group of \(data) (seed \(seed)); candidates \(names.joined(separator: ", "))"
    metadata["exported_dtype"] = storage.rawValue
    metadata["resumable"] = "no (written by morph eval branches)"
    let target = URL(fileURLWithPath: out)
    try grafted.save(to: target, step: models[0].info.step, metadata: metadata, extra: [:], dtype: storage)
    if let report {
      let encoder = JSONEncoder()
      encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
      try AtomicFile.write(encoder.encode(selection), to: URL(fileURLWithPath: report))
    }
    print(
      String(
        format: "wrote %@ (%@) in %.0f s", target.path, donors.isEmpty ? "the base's branches" : summary,
        Date().timeIntervalSince(start)))
  }
}
