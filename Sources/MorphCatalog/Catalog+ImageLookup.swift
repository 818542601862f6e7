import Foundation
import GRDB

extension Catalog {
  /// One image by its catalog id, or throws `notFound`.
  public func image(id: Int64) throws -> ImageMatch {
    let match = try read { db in
      try Row.fetchOne(
        db,
        sql: """
          SELECT i.id, d.name AS dataset, d.root, i.path, i.split, i.content_hash, i.identity
          FROM image i JOIN dataset d ON d.id = i.dataset_id WHERE i.id = ?
          """, arguments: [id]
      ).map(Self.imageMatch)
    }
    guard let match else { throw CatalogError.notFound(kind: "image", name: String(id)) }
    return match
  }
}
