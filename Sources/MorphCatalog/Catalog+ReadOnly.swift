import Foundation
import GRDB

extension Catalog {
  /// Opens an existing catalog for reading only, through the same kind of read-only connection
  /// `readOnlySQL(at:_:)` (`morph catalog sql`) uses: every read method works, and any write
  /// fails with SQLite's "readonly" error, so a viewer (`morph serve`) cannot change the file.
  /// No migration runs (that would write); a catalog from an older Morph is read as it is.
  public static func openReadOnlyCatalog(at url: URL) throws -> Catalog {
    guard FileManager.default.fileExists(atPath: url.path) else { throw CatalogError.noCatalog(path: url.path) }
    do {
      let queue = try DatabaseQueue(path: url.path, configuration: configuration(readonly: true))
      return Catalog(writer: queue, url: url)
    } catch let error as DatabaseError {
      throw CatalogError.database("\(url.path): \(error.message ?? error.description)")
    }
  }

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
