import Foundation
import GRDB

/// Something two catalogs disagree on; the merge keeps what the target already holds.
public struct MergeConflict: Sendable, Equatable, CustomStringConvertible {
  public enum Kind: String, Sendable {
    /// The same dataset name with another root folder or kind.
    case dataset
    /// The same image (dataset and path) with another content hash.
    case image
    /// The same model name with another weights hash: none of the shard's latents of it are merged.
    case model
    /// The same latent (image and model) with other values.
    case latent
    /// The same attribute group with other members.
    case attributeGroup = "attribute group"
    /// The same face scan (image and detector) with another number of faces.
    case faceScan = "face scan"
  }

  /// The shard catalog the conflicting row came from.
  public var shard: String
  public var kind: Kind
  public var message: String

  public var description: String { "\(shard): \(kind.rawValue) \(message)" }
}

/// What merging one shard catalog added.
public struct ShardMergeSummary: Sendable, Equatable {
  public var shard: String
  /// Runs added (a run merged before and unchanged since is not added again).
  public var runsAdded = 0
  /// Runs already in the target unchanged.
  public var runsKept = 0
  /// Runs merged before that the shard has since carried on (their records are replaced).
  public var runsUpdated = 0
  public var datasetsAdded = 0
  public var imagesAdded = 0
  public var modelsAdded = 0
  public var latentsAdded = 0
  public var faceScansAdded = 0
  public var conflicts: [MergeConflict] = []

  /// True when the merge changed nothing in the target.
  public var changedNothing: Bool {
    runsAdded + runsUpdated + datasetsAdded + imagesAdded + modelsAdded + latentsAdded + faceScansAdded == 0
  }
}

// MARK: - Merging shard catalogs

extension Catalog {
  /// Merges the catalogs of shards (`morph run --shard K/N`) into this one, each in one
  /// transaction: a shard lands whole or not at all.
  ///
  /// Rows are matched by what names them, never by id: datasets and models by name, images by
  /// dataset and path, latents by image and model, attributes by name (their bit slots are
  /// renumbered when the catalogs differ), runs by the `uid` each run gets when it starts (so
  /// merging the same shard twice changes nothing; a run that went on since it was merged is
  /// replaced by its newer record). Runs keep their shard numbers. Where the two catalogs
  /// disagree (an image's content hash, a model's weights hash, a latent's values …) the row
  /// already here stays, and the disagreement is returned as a `MergeConflict`.
  public func merge(shards: [URL]) throws -> [ShardMergeSummary] {
    try shards.map { try merge(shardAt: $0) }
  }

  /// Merges one shard catalog (see `merge(shards:)`).
  public func merge(shardAt shard: URL) throws -> ShardMergeSummary {
    let path = shard.standardizedFileURL.path
    if let url, url.standardizedFileURL.resolvingSymlinksInPath().path == shard.standardizedFileURL.resolvingSymlinksInPath().path {
      throw CatalogError.invalidArgument("\(path) is the catalog being merged into; name it only once, as OUT")
    }
    // Bring the shard's schema up to date first (a shard written by an older Morph).
    _ = try Catalog.open(at: shard, create: false)
    var summary = ShardMergeSummary(shard: path)
    do {
      try writer.writeWithoutTransaction { db in
        try db.execute(sql: "ATTACH DATABASE ? AS shard", arguments: [path])
        defer { try? db.execute(sql: "DETACH DATABASE shard") }
        try db.inTransaction {
          var merger = ShardMerger(db: db, summary: summary)
          try merger.mergeAll()
          summary = merger.summary
          return .commit
        }
      }
    } catch let error as DatabaseError {
      throw CatalogError.database("merging \(path): \(error.message ?? error.description)")
    }
    return summary
  }
}

/// The row-by-row work of one shard merge, inside its transaction (`shard` is attached).
struct ShardMerger {
  let db: Database
  var summary: ShardMergeSummary
  /// Shard row id → target row id.
  var datasets: [Int64: Int64] = [:]
  var images: [Int64: Int64] = [:]
  var models: [Int64: Int64] = [:]
  var runs: [Int64: Int64] = [:]
  /// Shard attribute slot → target slot (nil when they are all equal).
  var slotMap: [Int: Int]?
  /// Image paths by shard image id, for messages about conflicts.
  var imageNames: [Int64: String] = [:]

  init(db: Database, summary: ShardMergeSummary) {
    self.db = db
    self.summary = summary
  }

  mutating func conflict(_ kind: MergeConflict.Kind, _ message: String) {
    summary.conflicts.append(MergeConflict(shard: summary.shard, kind: kind, message: message))
  }

  mutating func mergeAll() throws {
    try mergeAttributes()
    try mergeDatasets()
    try mergeImages()
    try mergeGroups()
    try mergeModels()
    try mergeRuns()
    try mergeLatents()
    try mergeFaces()
  }

  // MARK: - Attributes, datasets, images

  mutating func mergeAttributes() throws {
    var map: [Int: Int] = [:]
    for row in try Row.fetchAll(db, sql: "SELECT name, slot FROM shard.attribute ORDER BY slot") {
      let name: String = row["name"], slot: Int = row["slot"]
      if let here = try Int.fetchOne(db, sql: "SELECT slot FROM main.attribute WHERE name = ?", arguments: [name]) {
        map[slot] = here
      } else {
        let next = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(slot) + 1, 0) FROM main.attribute") ?? 0
        try db.execute(sql: "INSERT INTO main.attribute (name, slot) VALUES (?, ?)", arguments: [name, next])
        map[slot] = next
      }
    }
    slotMap = map.allSatisfy { $0.key == $0.value } ? nil : map
  }

  mutating func mergeDatasets() throws {
    for row in try Row.fetchAll(db, sql: "SELECT id, name, kind, root, ingested_at FROM shard.dataset ORDER BY id") {
      let name: String = row["name"], kind: String = row["kind"], root: String = row["root"]
      if let here = try Row.fetchOne(db, sql: "SELECT id, kind, root FROM main.dataset WHERE name = ?", arguments: [name]) {
        datasets[row["id"]] = here["id"]
        if here["kind"] != kind || here["root"] != root {
          conflict(
            .dataset, "\(name): \(here["kind"] as String) at \(here["root"] as String) here, \(kind) at \(root) in the shard (kept)")
        }
      } else {
        try db.execute(
          sql: "INSERT INTO main.dataset (name, kind, root, ingested_at) VALUES (?, ?, ?, ?)",
          arguments: [name, kind, root, row["ingested_at"] as DatabaseValue])
        datasets[row["id"]] = db.lastInsertedRowID
        summary.datasetsAdded += 1
      }
    }
    for (from, to) in datasets {
      try db.execute(
        sql: """
          INSERT OR IGNORE INTO main.dataset_attribute (dataset_id, attribute_id, position)
          SELECT ?, m.id, s.position FROM shard.dataset_attribute s
          JOIN shard.attribute sa ON sa.id = s.attribute_id JOIN main.attribute m ON m.name = sa.name
          WHERE s.dataset_id = ?
          """, arguments: [to, from])
    }
  }

  mutating func mergeImages() throws {
    let find = try db.makeStatement(sql: "SELECT id, content_hash FROM main.image WHERE dataset_id = ? AND path = ?")
    let insert = try db.makeStatement(
      sql: """
        INSERT INTO main.image (dataset_id, path, content_hash, byte_size, split, identity, attr_present, attr_positive)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """)
    let words = try db.makeStatement(sql: "SELECT word, present, positive FROM shard.image_attribute_word WHERE image_id = ?")
    let insertWord = try db.makeStatement(
      sql: "INSERT OR REPLACE INTO main.image_attribute_word (image_id, word, present, positive) VALUES (?, ?, ?, ?)")
    let cursor = try Row.fetchCursor(
      db,
      sql: """
        SELECT id, dataset_id, path, content_hash, byte_size, split, identity, attr_present, attr_positive
        FROM shard.image ORDER BY id
        """)
    var added: [(from: Int64, to: Int64)] = []
    while let row = try cursor.next() {
      let id: Int64 = row["id"], path: String = row["path"], hash: String? = row["content_hash"]
      guard let dataset = datasets[row["dataset_id"]] else { continue }
      imageNames[id] = path
      if let here = try Row.fetchOne(find, arguments: [dataset, path]) {
        let hereHash: String? = here["content_hash"]
        if let hash, let hereHash, hash != hereHash {
          conflict(.image, "\(path): content hash \(hereHash.prefix(12))… here, \(hash.prefix(12))… in the shard (kept; its latents and faces not merged)")
          continue
        }
        images[id] = here["id"]
        continue
      }
      // Attribute words: word 0 lives in the row, the others in image_attribute_word.
      var packed: [Int: (Int64, Int64)] = [0: (row["attr_present"], row["attr_positive"])]
      for w in try Row.fetchAll(words, arguments: [id]) { packed[w["word"]] = (w["present"], w["positive"]) }
      if let slotMap { packed = Self.remap(packed, slotMap) }
      let word0 = packed[0] ?? (0, 0)
      try insert.execute(arguments: [
        dataset, path, hash, row["byte_size"] as DatabaseValue, row["split"] as DatabaseValue,
        row["identity"] as DatabaseValue, word0.0, word0.1,
      ])
      let newID = db.lastInsertedRowID
      images[id] = newID
      added.append((id, newID))
      for (word, bits) in packed where word > 0 && bits.0 != 0 {
        try insertWord.execute(arguments: [newID, word, bits.0, bits.1])
      }
      summary.imagesAdded += 1
    }
    // Landmarks and boxes of the images added (an image already here keeps its own).
    for table in ["landmark", "bbox"] {
      let columns = try db.columns(in: table, in: "shard").map(\.name).filter { $0 != "image_id" }
      let list = columns.joined(separator: ", ")
      let copy = try db.makeStatement(
        sql: "INSERT OR IGNORE INTO main.\(table) (image_id, \(list)) SELECT ?, \(list) FROM shard.\(table) WHERE image_id = ?")
      for (from, to) in added { try copy.execute(arguments: [to, from]) }
    }
  }

  /// Moves attribute bits from the shard's slots to the target's (bit `slot % 62` of word `slot / 62`).
  static func remap(_ words: [Int: (Int64, Int64)], _ slotMap: [Int: Int]) -> [Int: (Int64, Int64)] {
    let bits = CatalogSchema.bitsPerWord
    var out: [Int: (Int64, Int64)] = [0: (0, 0)]
    for (word, value) in words {
      for bit in 0..<bits where value.0 >> Int64(bit) & 1 == 1 {
        guard let target = slotMap[word * bits + bit] else { continue }
        let mask = Int64(1) << Int64(target % bits)
        var entry = out[target / bits] ?? (0, 0)
        entry.0 |= mask
        if value.1 >> Int64(bit) & 1 == 1 { entry.1 |= mask }
        out[target / bits] = entry
      }
    }
    return out
  }

  mutating func mergeGroups() throws {
    for group in try Row.fetchAll(db, sql: "SELECT id, name FROM shard.attribute_group ORDER BY position") {
      let name: String = group["name"]
      let members = try String.fetchAll(
        db, sql: "SELECT attribute_name FROM shard.attribute_group_member WHERE group_id = ? ORDER BY position",
        arguments: [group["id"] as Int64])
      if let here = try Int64.fetchOne(db, sql: "SELECT id FROM main.attribute_group WHERE name = ?", arguments: [name]) {
        let ours = try String.fetchAll(
          db, sql: "SELECT attribute_name FROM main.attribute_group_member WHERE group_id = ? ORDER BY position",
          arguments: [here])
        if ours != members {
          conflict(.attributeGroup, "\(name): [\(ours.joined(separator: ", "))] here, [\(members.joined(separator: ", "))] in the shard (kept)")
        }
        continue
      }
      let position = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(position) + 1, 0) FROM main.attribute_group") ?? 0
      try db.execute(sql: "INSERT INTO main.attribute_group (name, position) VALUES (?, ?)", arguments: [name, position])
      let id = db.lastInsertedRowID
      for (n, member) in members.enumerated() {
        try db.execute(
          sql: "INSERT INTO main.attribute_group_member (group_id, attribute_name, position) VALUES (?, ?, ?)",
          arguments: [id, member, n])
      }
    }
  }

  // MARK: - Models and latents

  mutating func mergeModels() throws {
    for row in try Row.fetchAll(db, sql: "SELECT id, name, kind, weights_hash, config, created_at FROM shard.model ORDER BY id") {
      let name: String = row["name"], hash: String? = row["weights_hash"]
      if let here = try Row.fetchOne(db, sql: "SELECT id, weights_hash FROM main.model WHERE name = ?", arguments: [name]) {
        let hereHash: String? = here["weights_hash"]
        if hash != hereHash {
          let latents = try Int.fetchOne(
            db, sql: "SELECT COUNT(*) FROM shard.latent WHERE model_id = ?", arguments: [row["id"] as Int64]) ?? 0
          conflict(
            .model,
            "\(name): weights hash \(hereHash.map { String($0.prefix(12)) + "…" } ?? "none") here, "
              + "\(hash.map { String($0.prefix(12)) + "…" } ?? "none") in the shard (kept; its \(latents) latents not merged)")
          continue
        }
        models[row["id"]] = here["id"]
        continue
      }
      try db.execute(
        sql: "INSERT INTO main.model (name, kind, weights_hash, config, created_at) VALUES (?, ?, ?, ?, ?)",
        arguments: [name, row["kind"] as String, hash, row["config"] as String, row["created_at"] as DatabaseValue])
      models[row["id"]] = db.lastInsertedRowID
      summary.modelsAdded += 1
    }
  }

  mutating func mergeLatents() throws {
    let find = try db.makeStatement(sql: "SELECT dtype, shape, data FROM main.latent WHERE model_id = ? AND image_id = ?")
    let insert = try db.makeStatement(
      sql: """
        INSERT INTO main.latent (model_id, image_id, dtype, shape, pooled_norm, pooled, data, created_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        """)
    let names = try Dictionary(
      uniqueKeysWithValues: Row.fetchAll(db, sql: "SELECT id, name FROM shard.model").map { ($0["id"] as Int64, $0["name"] as String) })
    // A cursor: latents are streamed, never all in memory.
    let cursor = try Row.fetchCursor(
      db, sql: "SELECT model_id, image_id, dtype, shape, pooled_norm, pooled, data, created_at FROM shard.latent ORDER BY id")
    while let row = try cursor.next() {
      guard let model = models[row["model_id"]], let image = images[row["image_id"]] else { continue }
      let dtype: String = row["dtype"], shape: String = row["shape"], data: Data = row["data"]
      if let here = try Row.fetchOne(find, arguments: [model, image]) {
        if here["dtype"] != dtype || here["shape"] != shape || here["data"] != data {
          let imageName = imageNames[row["image_id"]] ?? "?"
          conflict(.latent, "of \(imageName) under model \(names[row["model_id"]] ?? "?") differs from the shard's (kept)")
        }
        continue
      }
      try insert.execute(arguments: [
        model, image, dtype, shape, row["pooled_norm"] as Double, row["pooled"] as Data, data,
        row["created_at"] as DatabaseValue,
      ])
      summary.latentsAdded += 1
    }
  }

  // MARK: - Runs and faces

  mutating func mergeRuns() throws {
    let columns = "recipe_name, recipe_text, recipe_hash, parameters, morph_version, host, started_at, ended_at, status, item_count, error, shard_index, shard_count, uid"
    for row in try Row.fetchAll(db, sql: "SELECT id, \(columns) FROM shard.run ORDER BY id") {
      let from: Int64 = row["id"], uid: String = row["uid"]
      if let here = try Row.fetchOne(
        db, sql: "SELECT id, status, ended_at, item_count FROM main.run WHERE uid = ?", arguments: [uid])
      {
        let same =
          here["status"] as String == row["status"] as String && here["item_count"] as Int == row["item_count"] as Int
          && (here["ended_at"] as DatabaseValue) == (row["ended_at"] as DatabaseValue)
        if same {
          runs[from] = here["id"]
          summary.runsKept += 1
          continue
        }
        // Merged while still going (or before it was rerun): its newer record replaces it.
        try db.execute(sql: "DELETE FROM main.run WHERE id = ?", arguments: [here["id"] as Int64])
        summary.runsUpdated += 1
      } else {
        summary.runsAdded += 1
      }
      try db.execute(
        sql: "INSERT INTO main.run (\(columns)) SELECT \(columns) FROM shard.run WHERE id = ?", arguments: [from])
      let to = db.lastInsertedRowID
      runs[from] = to
      try db.execute(
        sql: """
          INSERT INTO main.stage_result (run_id, stage, item, cache_key, status, error, duration_seconds, output, recorded_at)
          SELECT ?, stage, item, cache_key, status, error, duration_seconds, output, recorded_at
          FROM shard.stage_result WHERE run_id = ? ORDER BY id
          """, arguments: [to, from])
      try db.execute(
        sql: """
          INSERT INTO main.metric (run_id, name, value, stage, item, step, recorded_at)
          SELECT ?, name, value, stage, item, step, recorded_at FROM shard.metric WHERE run_id = ? ORDER BY id
          """, arguments: [to, from])
      try db.execute(
        sql: """
          INSERT INTO main.artifact (run_id, path, sha256, byte_size, stage, item, cache_key, recorded_at)
          SELECT ?, path, sha256, byte_size, stage, item, cache_key, recorded_at FROM shard.artifact WHERE run_id = ? ORDER BY id
          """, arguments: [to, from])
    }
  }

  mutating func mergeFaces() throws {
    let scans = try Row.fetchAll(
      db, sql: "SELECT image_id, detector, face_count, width, height, run_id, scanned_at FROM shard.face_scan")
    for scan in scans {
      guard let image = images[scan["image_id"]] else { continue }
      let detector: String = scan["detector"], count: Int = scan["face_count"]
      if let here = try Int.fetchOne(
        db, sql: "SELECT face_count FROM main.face_scan WHERE image_id = ? AND detector = ?", arguments: [image, detector])
      {
        if here != count {
          let name = imageNames[scan["image_id"]] ?? "?"
          conflict(.faceScan, "of \(name) by \(detector): \(here) faces here, \(count) in the shard (kept)")
        }
        continue
      }
      let run = (scan["run_id"] as Int64?).flatMap { runs[$0] }
      try db.execute(
        sql: """
          INSERT INTO main.face_scan (image_id, detector, face_count, width, height, run_id, scanned_at)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [image, detector, count, scan["width"] as Int, scan["height"] as Int, run, scan["scanned_at"] as DatabaseValue])
      let columns = try db.columns(in: "face", in: "shard").map(\.name).filter { !["image_id", "run_id"].contains($0) }
      let list = columns.joined(separator: ", ")
      try db.execute(
        sql: """
          INSERT INTO main.face (image_id, run_id, \(list)) SELECT ?, ?, \(list) FROM shard.face
          WHERE image_id = ? AND detector = ?
          """, arguments: [image, run, scan["image_id"] as Int64, detector])
      summary.faceScansAdded += 1
    }
  }
}
