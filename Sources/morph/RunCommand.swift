import ArgumentParser
import Dispatch
import Foundation
import MorphCatalog
import MorphImaging
import MorphPipeline

/// `morph run RECIPE`: runs a recipe, reusing cached results, and records the run.
struct RunCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "run",
    abstract: "Run a pipeline recipe (cached items are reused; the run is recorded in the catalog).",
    discussion: """
      Exit status: 0 when every item succeeded, 1 when any item failed or the recipe is invalid, \
      130 when interrupted (Ctrl-C; finished items stay cached, so running again resumes).
      """)

  @OptionGroup var recipe: RecipeArguments

  @Flag(name: .customLong("fail-fast"), help: "Stop at the first failed item (default: keep going, report failures).")
  var failFast = false

  @Flag(name: .customLong("keep-going"), help: "Record failed items and go on (the default).")
  var keepGoing = false

  @Option(name: .customLong("only-failed"), help: ArgumentHelp("Rerun only the items that failed in this earlier run.", valueName: "run"))
  var onlyFailed: Int64?

  @Option(help: "Catalog file (default: the recipe's `catalog`, else .morph/catalog.sqlite).")
  var catalog: String?

  @Flag(help: "Write JSON events (one per line) to standard output instead of the summary.")
  var json = false

  @Option(name: .customLong("events"), help: ArgumentHelp("Write JSON events to this file.", valueName: "file"))
  var eventsFile: String?

  @Flag(name: .customLong("no-progress"), help: "Do not show progress.")
  var noProgress = false

  @Flag(name: .customLong("no-cache"), help: "Compute every item and store nothing in the cache.")
  var noCache = false

  @Option(help: ArgumentHelp(
    "Take only shard K of N (from 0) of the items, by a stable hash of each item's name; the catalog is the "
      + "shard's own file (catalog.shard-K-of-N.sqlite; join them with `morph catalog merge`).", valueName: "K/N"))
  var shard: String?

  @Flag(name: .customLong("shard-from-env"), help: ArgumentHelp(
    "Take the shard from a Slurm job array (SLURM_ARRAY_TASK_ID, SLURM_ARRAY_TASK_COUNT) or a Kubernetes "
      + "Indexed Job (JOB_COMPLETION_INDEX, MORPH_SHARDS)."))
  var shardFromEnv = false

  @Flag(help: "Also print libvips' own warnings (e.g. `error in tile …` for a corrupt image) as they happen.")
  var verbose = false

  func validate() throws {
    if failFast && keepGoing { throw ValidationError("--fail-fast and --keep-going exclude each other") }
    if json && eventsFile != nil { throw ValidationError("use either --json or --events FILE") }
    if shard != nil && shardFromEnv { throw ValidationError("use either --shard K/N or --shard-from-env") }
  }

  func run() async throws {
    let report = try await PipelineCLI.guarded { () -> RunReport in
      if verbose { try Vips.echoWarnings(true) }
      let graph = try recipe.graph()
      var options = RunOptions(failFast: failFast, useCache: !noCache)
      options.progress = noProgress || json ? .off : .automatic
      if json { options.events = RunEventSink(handle: FileHandle.standardOutput) }
      if let eventsFile { options.events = try RunEventSink(path: eventsFile) }
      let part = try shardFromEnv ? Shard.fromEnvironment() : shard.map { try Shard(parsing: $0) }
      let run = PipelineRun(
        graph: graph, baseDirectory: PipelineCLI.workingDirectory, catalogPath: catalog, options: options,
        morphVersion: MorphVersion.string, shard: part)
      let only = try onlyFailed.map { try run.failedItems(ofRun: $0) }
      if let only, only.isEmpty, let onlyFailed {
        throw PipelineError.override("run \(onlyFailed) has no failed items")
      }
      return try await Interrupts.cancellingOnSIGINT { try await run.run(onlyItems: only) }
    }
    if json {
      FileHandle.standardError.write(Data((report.summary + "\n").utf8))
    } else {
      print(report.summary)
    }
    switch report.status {
    case .succeeded: return
    case .cancelled: throw ExitCode(130)
    default: throw ExitCode(1)
    }
  }
}

/// Ctrl-C cancels the running task instead of killing the process, so the run can record
/// itself as cancelled with every finished item cached.
enum Interrupts {
  static func cancellingOnSIGINT<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
    let task = Task { try await body() }
    signal(SIGINT, SIG_IGN)
    let source = DispatchSource.makeSignalSource(signal: SIGINT, queue: DispatchQueue.global())
    source.setEventHandler {
      FileHandle.standardError.write(Data("\ninterrupted: finishing items in progress…\n".utf8))
      task.cancel()
    }
    source.resume()
    defer {
      source.cancel()
      signal(SIGINT, SIG_DFL)
    }
    return try await task.value
  }
}
