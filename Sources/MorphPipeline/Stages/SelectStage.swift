import Foundation
import MorphCatalog
import MorphImaging

/// `select`: the catalog images matching an attribute expression, loaded as images.
enum SelectStage {
  static let descriptor = StageDescriptor(
    name: "select", summary: "Load the catalog images matching an attribute expression, e.g. \"Smiling AND NOT Male\".",
    shape: .source, input: nil, output: .images,
    parameters: [
      ParameterSpec("query", .string, "Attribute expression (see `morph catalog query`)."),
      ParameterSpec("split", .string, default: .string(""), "train, val or test (empty = all)."),
      ParameterSpec("limit", .int, default: .int(0), "At most this many images (0 = all).", range: .atLeast(0)),
    ],
    cacheable: false, concurrency: 2
  ) { context in
    guard let catalog = context.catalog else {
      throw PipelineError.stage(stage: context.stageID, message: "no catalog to select from (ingest a dataset first, e.g. with pipelines/ingest-celeba.yaml)")
    }
    let query = context.string("query"), split = context.string("split"), limit = context.int("limit")
    let loader = ImageLoader()
    return .source {
      let matches = try catalog.query(query, split: split.isEmpty ? nil : split, limit: limit > 0 ? limit : nil)
      return try matches.map { match in
        let url = URL(fileURLWithPath: match.absolutePath)
        let hash = try match.contentHash ?? SHA256.hex(fileAt: url)
        return SourceItem(id: "\(match.dataset)/\(match.path)", contentKey: "file:" + hash, origin: url) {
          .image(try loader.load(url))
        }
      }
    }
  }
}
