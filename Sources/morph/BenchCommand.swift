import ArgumentParser

/// `morph bench`: timing workloads that print one JSON line each, for `make bench`.
struct Bench: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "bench",
    abstract: "Run benchmark workloads and print JSON lines.",
    subcommands: [BenchEngine.self, BenchImaging.self, BenchCatalog.self, BenchPipeline.self, BenchDetect.self])
}
