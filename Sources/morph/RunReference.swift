import ArgumentParser
import MorphCatalog

/// A run named on the command line: its id (`3`) or `last`, the newest run in the catalog.
///
/// `last` exists so that a command can be written down before the run it refers to exists
/// (the README's tour, a script): run ids depend on everything the catalog saw before.
struct RunReference: ExpressibleByArgument, CustomStringConvertible {
  enum Kind { case id(Int64), last }
  var kind: Kind

  init?(argument: String) {
    if argument == "last" {
      kind = .last
    } else if let id = Int64(argument), id > 0 {
      kind = .id(id)
    } else {
      return nil
    }
  }

  var description: String {
    switch kind {
    case .id(let id): return String(id)
    case .last: return "last"
    }
  }

  static var defaultCompletionKind: CompletionKind { .default }

  /// The run id this reference names in `catalog`; `last` in an empty catalog is an error that says so.
  func resolve(in catalog: Catalog) throws -> Int64 {
    switch kind {
    case .id(let id): return id
    case .last:
      guard let newest = try catalog.runs(limit: 1).first else {
        throw CatalogError.notFound(kind: "run", name: "last (the catalog has no runs yet)")
      }
      return newest.id
    }
  }
}
