import Foundation
import GRDB

/// What an ingest wrote.
public struct IngestSummary: Equatable, Sendable {
  public var dataset: String
  public var datasetID: Int64
  public var images: Int
  public var attributes: Int
  /// Images added by this ingest (0 when re-ingesting an unchanged dataset).
  public var added: Int
  /// Images kept from a previous ingest of the same dataset (their ids are unchanged).
  public var updated: Int
  /// Images of a previous ingest that the new files no longer list (deleted).
  public var removed: Int
}

extension Catalog {
  /// Writes a parsed dataset in one transaction: either all of it lands or none of it.
  ///
  /// Re-ingesting a dataset of the same name is idempotent: images are matched by path and
  /// keep their ids (so latents and results that refer to them survive), their values are
  /// replaced, and images no longer listed are removed. A dataset is its folder: one already in
  /// the catalog under another name (a recipe ingests the folders it meets as `NAME-HASH`) is
  /// updated, and takes the new name when it is free, rather than being listed twice (which
  /// would make its paths ambiguous); a name that already belongs to another folder is never
  /// re-pointed (that would delete the other folder's images and their latents): the new
  /// folder gets `NAME-HASH` instead, reported in the summary. `progress` is called with
  /// (rows written, total) from inside the transaction.
  @discardableResult
  public func ingest(_ dataset: DatasetAnnotations, progress: ((Int, Int) -> Void)? = nil) throws -> IngestSummary {
    try validate(dataset)
    return try write { db in
      let name = try datasetName(db, for: dataset)
      try db.execute(
        sql: """
          INSERT INTO dataset (name, kind, root, ingested_at) VALUES (?, ?, ?, ?)
          ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, root = excluded.root, ingested_at = excluded.ingested_at
          """, arguments: [name, dataset.kind, dataset.root, Date()])
      guard
        let datasetID = try Int64.fetchOne(db, sql: "SELECT id FROM dataset WHERE name = ?", arguments: [name])
      else { throw CatalogError.database("dataset row vanished during ingest") }

      let slots = try attributeSlots(db, names: dataset.attributeNames)
      try db.execute(sql: "DELETE FROM dataset_attribute WHERE dataset_id = ?", arguments: [datasetID])
      for (position, name) in dataset.attributeNames.enumerated() {
        try db.execute(
          sql:
            "INSERT INTO dataset_attribute (dataset_id, attribute_id, position) SELECT ?, id, ? FROM attribute WHERE name = ?",
          arguments: [datasetID, position, name])
      }

      // Existing images keep their ids; their per-image rows are rewritten below.
      // A file that moved (same content, new path) is matched by its content hash.
      var existing = [String: Int64]()
      var existingByHash = [String: Int64]()
      for row in try Row.fetchAll(
        db, sql: "SELECT id, path, content_hash FROM image WHERE dataset_id = ?", arguments: [datasetID])
      {
        existing[row["path"]] = row["id"]
        if let hash: String = row["content_hash"] { existingByHash[hash] = row["id"] }
      }
      let listedPaths = Set(dataset.files)
      var pathByID = [Int64: String]()
      for (path, id) in existing { pathByID[id] = path }
      for table in ["image_attribute_word", "landmark", "bbox"] {
        try db.execute(
          sql: "DELETE FROM \(table) WHERE image_id IN (SELECT id FROM image WHERE dataset_id = ?)",
          arguments: [datasetID])
      }

      let insertImage = try db.makeStatement(
        sql: """
          INSERT INTO image (dataset_id, path, content_hash, byte_size, split, identity, attr_present, attr_positive)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """)
      let updateImage = try db.makeStatement(
        sql: """
          UPDATE image SET path = ?, content_hash = ?, byte_size = ?, split = ?, identity = ?, attr_present = ?,
            attr_positive = ? WHERE id = ?
          """)
      let insertWord = try db.makeStatement(
        sql: "INSERT INTO image_attribute_word (image_id, word, present, positive) VALUES (?, ?, ?, ?)")
      let insertLandmark = try db.makeStatement(
        sql: """
          INSERT INTO landmark (image_id, aligned, left_eye_x, left_eye_y, right_eye_x, right_eye_y, nose_x, nose_y,
            left_mouth_x, left_mouth_y, right_mouth_x, right_mouth_y) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
      let insertBox = try db.makeStatement(
        sql: "INSERT INTO bbox (image_id, x, y, width, height) VALUES (?, ?, ?, ?, ?)")

      // Word 0 is always first so it can go into the image row.
      let words = Set([0] + slots.map { $0 / CatalogSchema.bitsPerWord }).sorted()
      var present = [Int64](repeating: 0, count: words.count)
      var positive = [Int64](repeating: 0, count: words.count)
      let wordIndex = slots.map { slot in words.firstIndex(of: slot / CatalogSchema.bitsPerWord) ?? 0 }
      let bit = slots.map { Int64(1) << Int64($0 % CatalogSchema.bitsPerWord) }
      let k = dataset.attributeNames.count
      var kept = Set<Int64>()
      var added = 0
      /// An earlier image with the same content whose old path is gone from the new listing.
      func movedImage(_ hash: String?) -> Int64? {
        guard let hash, let id = existingByHash[hash], !kept.contains(id), let old = pathByID[id],
          !listedPaths.contains(old)
        else { return nil }
        return id
      }
      let landmarksAligned = dataset.landmarksAligned

      for (i, path) in dataset.files.enumerated() {
        let split: String? =
          dataset.splits.indices.contains(i) && dataset.splits[i] >= 0
          ? DatasetAnnotations.splitNames[Int(dataset.splits[i])] : nil
        let hash = dataset.contentHashes.indices.contains(i) ? dataset.contentHashes[i] : nil
        let size = dataset.byteSizes.indices.contains(i) ? dataset.byteSizes[i] : nil
        let identity = dataset.identities.indices.contains(i) ? dataset.identities[i] : nil
        for w in words.indices {
          present[w] = 0
          positive[w] = 0
        }
        for a in 0..<k {
          let v = dataset.values[i * k + a]
          guard v != 0 else { continue }
          present[wordIndex[a]] |= bit[a]
          if v > 0 { positive[wordIndex[a]] |= bit[a] }
        }
        let imageID: Int64
        if let id = existing[path] ?? movedImage(hash) {
          try updateImage.execute(arguments: [path, hash, size, split, identity, present[0], positive[0], id])
          imageID = id
          kept.insert(id)
        } else {
          try insertImage.execute(arguments: [datasetID, path, hash, size, split, identity, present[0], positive[0]])
          imageID = db.lastInsertedRowID
          added += 1
        }
        for (w, word) in words.enumerated() where word > 0 && present[w] != 0 {
          try insertWord.execute(arguments: [imageID, word, present[w], positive[w]])
        }
        if let landmarks = dataset.landmarks {
          var args: [(any DatabaseValueConvertible)?] = [imageID, landmarksAligned]
          for c in 0..<10 { args.append(Double(landmarks[i * 10 + c])) }
          try insertLandmark.execute(arguments: StatementArguments(args))
        }
        if let boxes = dataset.boxes {
          try insertBox.execute(arguments: [
            imageID, Double(boxes[i * 4]), Double(boxes[i * 4 + 1]), Double(boxes[i * 4 + 2]), Double(boxes[i * 4 + 3]),
          ])
        }
        if (i + 1) % 10_000 == 0 { progress?(i + 1, dataset.files.count) }
      }

      let stale = existing.values.filter { !kept.contains($0) }
      for id in stale { try db.execute(sql: "DELETE FROM image WHERE id = ?", arguments: [id]) }
      progress?(dataset.files.count, dataset.files.count)
      return IngestSummary(
        dataset: name, datasetID: datasetID, images: dataset.files.count, attributes: k, added: added,
        updated: kept.count, removed: stale.count)
    }
  }

  /// Checks array lengths before anything is written (API callers may build datasets by hand).
  func validate(_ d: DatasetAnnotations) throws {
    let n = d.files.count
    func check(_ ok: Bool, _ what: String) throws {
      if !ok { throw CatalogError.invalidArgument("dataset \(d.name): \(what) does not match \(n) files") }
    }
    try check(d.values.count == n * d.attributeNames.count, "values count \(d.values.count)")
    try check(d.splits.isEmpty || d.splits.count == n, "splits count")
    try check(d.identities.isEmpty || d.identities.count == n, "identities count")
    try check(d.contentHashes.isEmpty || d.contentHashes.count == n, "content hashes count")
    try check(d.byteSizes.isEmpty || d.byteSizes.count == n, "byte sizes count")
    try check(d.landmarks.map { $0.count == n * 10 } ?? true, "landmarks count")
    try check(d.boxes.map { $0.count == n * 4 } ?? true, "boxes count")
    var seen = Set<String>(minimumCapacity: n)
    if let dup = d.files.first(where: { !seen.insert($0).inserted }) {
      throw CatalogError.invalidArgument("dataset \(d.name): \(dup) listed twice")
    }
    if let bad = d.splits.first(where: { $0 > 2 }) {
      throw CatalogError.invalidArgument("dataset \(d.name): split code \(bad) is not 0, 1 or 2")
    }
  }

  /// The name `dataset` is stored under: its folder's dataset keeps its row (renamed to the
  /// asked name when that is free); a new folder whose asked name belongs to another folder
  /// gets `NAME-HASH` of its root.
  func datasetName(_ db: Database, for dataset: DatasetAnnotations) throws -> String {
    let owner = try String.fetchOne(db, sql: "SELECT root FROM dataset WHERE name = ?", arguments: [dataset.name])
    if owner == dataset.root { return dataset.name }
    let sameFolder = try Row.fetchOne(
      db, sql: "SELECT id, name FROM dataset WHERE root = ? AND kind = ? ORDER BY id LIMIT 1",
      arguments: [dataset.root, dataset.kind])
    if let sameFolder {
      let id: Int64 = sameFolder[0]
      guard owner == nil else { return sameFolder[1] }
      try db.execute(sql: "UPDATE dataset SET name = ? WHERE id = ?", arguments: [dataset.name, id])
      return dataset.name
    }
    return owner == nil ? dataset.name : dataset.name + "-" + String(SHA256.hex(dataset.root).prefix(8))
  }

  /// The slot of each attribute name, creating attributes not seen before.
  func attributeSlots(_ db: Database, names: [String]) throws -> [Int] {
    var slots = [Int]()
    for name in names {
      if let slot = try Int.fetchOne(db, sql: "SELECT slot FROM attribute WHERE name = ?", arguments: [name]) {
        slots.append(slot)
      } else {
        let next = try Int.fetchOne(db, sql: "SELECT COALESCE(MAX(slot) + 1, 0) FROM attribute") ?? 0
        try db.execute(sql: "INSERT INTO attribute (name, slot) VALUES (?, ?)", arguments: [name, next])
        slots.append(next)
      }
    }
    return slots
  }
}

// MARK: - Convenience

extension Catalog {
  /// Reads a CelebA folder (see `CelebAReader`) and ingests it in one transaction.
  @discardableResult
  public func ingestCelebA(
    at root: URL, name: String = "celeba", annotationsOnly: Bool = false, extraAttributes: Bool = false,
    progress: ((String, Int, Int) -> Void)? = nil
  ) throws -> IngestSummary {
    let reader = CelebAReader(root: root, annotationsOnly: annotationsOnly, extraAttributes: extraAttributes) {
      progress?("hashing", $0, $1)
    }
    let dataset = try reader.read(name: name)
    return try ingest(dataset) { progress?("writing", $0, $1) }
  }

  /// Reads an image folder with an optional attribute CSV (see `FolderReader`) and ingests it.
  @discardableResult
  public func ingestFolder(
    at folder: URL, attributesCSV: URL?, name: String? = nil, progress: ((String, Int, Int) -> Void)? = nil
  ) throws -> IngestSummary {
    let reader = FolderReader(folder: folder, attributesCSV: attributesCSV) { progress?("hashing", $0, $1) }
    let dataset = try reader.read(name: name)
    return try ingest(dataset) { progress?("writing", $0, $1) }
  }
}
