import Crypto
import Foundation
import GRDB

/// One image a query selected.
public struct ImageMatch: Equatable, Codable, Sendable {
  public var id: Int64
  public var dataset: String
  /// Path relative to the dataset root.
  public var path: String
  /// Absolute path (dataset root + path).
  public var absolutePath: String
  public var split: String?
  public var contentHash: String?
  public var identity: Int?
}

extension Catalog {
  /// The attribute, group and dataset names queries may use.
  public func vocabulary() throws -> QueryVocabulary {
    try read { db in try Self.vocabulary(db) }
  }

  static func vocabulary(_ db: Database) throws -> QueryVocabulary {
    var slots = [String: Int]()
    for row in try Row.fetchAll(db, sql: "SELECT name, slot FROM attribute") { slots[row["name"]] = row["slot"] }
    var groups = [String: [String]]()
    for row in try Row.fetchAll(
      db,
      sql: """
        SELECT g.name AS g, m.attribute_name AS a FROM attribute_group g
        JOIN attribute_group_member m ON m.group_id = g.id ORDER BY g.position, m.position
        """)
    {
      groups[row["g"], default: []].append(row["a"])
    }
    let datasets = try String.fetchAll(db, sql: "SELECT name FROM dataset ORDER BY name")
    return QueryVocabulary(attributeSlots: slots, groups: groups, datasets: datasets)
  }

  /// Compiles `expression` (see `QueryParser`) against this catalog's names, restricted to
  /// `split` when given. Throws `CatalogError.query` pointing at the offending token.
  public func compile(_ expression: String, split: String? = nil) throws -> CompiledQuery {
    try read { db in try Self.compile(db, expression, split: split) }
  }

  static func compile(_ db: Database, _ expression: String, split: String?) throws -> CompiledQuery {
    let vocabulary = try vocabulary(db)
    var compiled = try QueryCompiler.compile(expression, vocabulary: vocabulary)
    if let split {
      let canonical = ["train": "train", "val": "val", "valid": "val", "validation": "val", "test": "test"]
      guard let name = canonical[split.lowercased()] else {
        let hint = NameSuggester.nearest(to: split, among: ["train", "val", "test"]).map {
          " (did you mean \"\($0)\"?)"
        }
        throw CatalogError.invalidArgument("unknown split \"\(split)\": splits are train, val, test\(hint ?? "")")
      }
      compiled.condition = "(\(compiled.condition) AND i.split = ?)"
      compiled.conditionArguments += [name]
    }
    return compiled
  }

  /// Images matching `expression`, in catalog order (dataset, then id), at most `limit`,
  /// skipping the first `offset` (paging).
  /// A query that runs past `limits` is stopped with a message saying which limit it met.
  public func query(
    _ expression: String, split: String? = nil, limit: Int? = nil, offset: Int = 0, limits: SQLLimits = SQLLimits()
  ) throws -> [ImageMatch] {
    try read { db in
      let compiled = try Self.compile(db, expression, split: split)
      let (from, arguments) = compiled.fromWhere
      var sql = "SELECT i.id, i.dataset_id, i.path, i.split, i.content_hash, i.identity \(from) ORDER BY i.id"
      var args = arguments
      if let limit {
        sql += " LIMIT ?"
        args += [limit]
      }
      if offset > 0 {
        if limit == nil { sql += " LIMIT -1" }
        sql += " OFFSET ?"
        args += [offset]
      }
      // Datasets are few: look them up once instead of decoding name and root on every row.
      var datasets = [Int64: (name: String, root: String)]()
      for row in try Row.fetchAll(db, sql: "SELECT id, name, root FROM dataset") {
        let root: String = row[2]
        datasets[row[0]] = (row[1], root.hasSuffix("/") ? root : root + "/")
      }
      var out = [ImageMatch]()
      try SQLLimitWatch.run(db, limits: limits, what: "the query", fix: Self.queryLimitFix) {
        let cursor = try Row.fetchCursor(db, sql: sql, arguments: args)
        while let row = try cursor.next() {
          let dataset = datasets[row[1]] ?? ("?", "/")
          let path: String = row[2]
          out.append(
            ImageMatch(
              id: row[0], dataset: dataset.name, path: path, absolutePath: dataset.root + path, split: row[3],
              contentHash: row[4], identity: row[5]))
        }
      }
      return out
    }
  }

  /// What to do about a query stopped by its limits.
  static let queryLimitFix = "raise the limit (--max-steps, --timeout) or narrow the expression (--split, --limit)"

  /// Number of images matching `expression`, under `limits` as `query`.
  public func count(_ expression: String, split: String? = nil, limits: SQLLimits = SQLLimits()) throws -> Int {
    try read { db in
      let (from, arguments) = try Self.compile(db, expression, split: split).fromWhere
      return try SQLLimitWatch.run(db, limits: limits, what: "the query", fix: Self.queryLimitFix) {
        try Int.fetchOne(db, sql: "SELECT COUNT(*) \(from)", arguments: arguments) ?? 0
      }
    }
  }

  /// The value of one attribute of one image: +1, -1, or nil when unknown.
  public func attributeValue(imageID: Int64, attribute: String) throws -> Int? {
    try read { db in
      try Int.fetchOne(
        db, sql: "SELECT value FROM image_attribute WHERE image_id = ? AND attribute = ?",
        arguments: [imageID, attribute])
    }
  }

  /// The id of an image by dataset and relative path.
  public func imageID(dataset: String, path: String) throws -> Int64? {
    try read { db in
      try Int64.fetchOne(
        db, sql: "SELECT i.id FROM image i JOIN dataset d ON d.id = i.dataset_id WHERE d.name = ? AND i.path = ?",
        arguments: [dataset, path])
    }
  }

  /// Ids of images with this content hash (the same picture may sit in several datasets).
  public func imageIDs(contentHash: String) throws -> [Int64] {
    try read { db in
      try Int64.fetchAll(db, sql: "SELECT id FROM image WHERE content_hash = ? ORDER BY id", arguments: [contentHash])
    }
  }

  /// Finds a catalog image from what a user typed: an absolute or relative file path under a
  /// dataset root, a path relative to a root, a bare file name, or — for a file on disk — its
  /// content hash. Throws `notFound` when nothing or more than one image matches.
  public func resolveImage(_ reference: String) throws -> ImageMatch {
    let fileURL = URL(fileURLWithPath: reference).standardizedFileURL
    let candidates: [ImageMatch] = try read { db in
      let rows = try Row.fetchAll(
        db,
        sql: """
          SELECT i.id, d.name AS dataset, d.root, i.path, i.split, i.content_hash, i.identity
          FROM image i JOIN dataset d ON d.id = i.dataset_id
          WHERE i.path = ? OR (? LIKE d.root || '/%' AND i.path = substr(?, length(d.root) + 2))
             OR i.path LIKE '%/' || ? ESCAPE '\\'
          ORDER BY i.id LIMIT 2
          """,
        arguments: [reference, fileURL.path, fileURL.path, Self.likeEscaped(reference)])
      return rows.map(Self.imageMatch)
    }
    if candidates.count == 1 { return candidates[0] }
    if candidates.count > 1 {
      throw CatalogError.invalidArgument(
        "\(reference) matches several catalog images; give the path relative to its dataset root")
    }
    if FileManager.default.fileExists(atPath: fileURL.path) {
      let hash = try SHA256.hex(fileAt: fileURL)
      let rows: [ImageMatch] = try read { db in
        try Row.fetchAll(
          db,
          sql: """
            SELECT i.id, d.name AS dataset, d.root, i.path, i.split, i.content_hash, i.identity
            FROM image i JOIN dataset d ON d.id = i.dataset_id WHERE i.content_hash = ? ORDER BY i.id LIMIT 1
            """, arguments: [hash]
        ).map(Self.imageMatch)
      }
      if let first = rows.first { return first }
    }
    throw CatalogError.notFound(kind: "image", name: reference)
  }

  static func likeEscaped(_ s: String) -> String {
    s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "%", with: "\\%")
      .replacingOccurrences(of: "_", with: "\\_")
  }

  /// Decodes a row selected as `i.id, d.name, d.root, i.path, i.split, i.content_hash, i.identity`
  /// (by position: name lookups cost more than the query itself on 20k-row results).
  static func imageMatch(_ row: Row) -> ImageMatch {
    let root: String = row[2]
    let path: String = row[3]
    // Plain concatenation: URL building costs tens of microseconds per row on Linux.
    return ImageMatch(
      id: row[0], dataset: row[1], path: path, absolutePath: root.hasSuffix("/") ? root + path : root + "/" + path,
      split: row[4], contentHash: row[5], identity: row[6])
  }
}
