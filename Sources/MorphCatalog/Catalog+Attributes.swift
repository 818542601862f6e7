import Foundation
import GRDB

/// An attribute as the catalog knows it.
public struct AttributeInfo: Equatable, Codable, Sendable {
  public var name: String
  /// Datasets that carry it.
  public var datasets: [String]
  /// Groups it belongs to.
  public var groups: [String]
}

/// Positive counts of one attribute within one split.
public struct AttributeSplitStats: Equatable, Codable, Sendable {
  public var attribute: String
  /// `train`, `val`, `test`, or `none` for images without a split.
  public var split: String
  /// Images whose value is known.
  public var known: Int
  /// Images whose value is +1.
  public var positive: Int
  public var positiveRate: Double { known > 0 ? Double(positive) / Double(known) : 0 }
}

/// Counts that summarise the catalog.
public struct CatalogSummary: Equatable, Codable, Sendable {
  public var datasets: [String: Int]
  public var images: Int
  public var attributes: Int
  public var imagesPerSplit: [String: Int]
  public var models: Int
  public var latents: Int
  public var runs: Int
}

extension Catalog {
  /// Every attribute, in slot order, with the datasets and groups that mention it.
  public func attributes() throws -> [AttributeInfo] {
    try read { db in
      let names = try String.fetchAll(db, sql: "SELECT name FROM attribute ORDER BY slot")
      var datasets = [String: [String]]()
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT a.name AS a, d.name AS d FROM dataset_attribute da JOIN attribute a ON a.id = da.attribute_id
          JOIN dataset d ON d.id = da.dataset_id ORDER BY d.name
          """)
      {
        datasets[row["a"], default: []].append(row["d"])
      }
      var groups = [String: [String]]()
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT m.attribute_name AS a, g.name AS g FROM attribute_group_member m
          JOIN attribute_group g ON g.id = m.group_id ORDER BY g.position
          """)
      {
        groups[row["a"], default: []].append(row["g"])
      }
      return names.map { AttributeInfo(name: $0, datasets: datasets[$0] ?? [], groups: groups[$0] ?? []) }
    }
  }

  /// Attribute names a dataset carries, in its file order.
  public func attributeNames(dataset: String) throws -> [String] {
    try read { db in
      try String.fetchAll(
        db,
        sql: """
          SELECT a.name FROM dataset_attribute da JOIN attribute a ON a.id = da.attribute_id
          JOIN dataset d ON d.id = da.dataset_id WHERE d.name = ? ORDER BY da.position
          """, arguments: [dataset])
    }
  }

  /// The attribute groups stored in the catalog, in order (the nine defaults unless replaced).
  public func attributeGroups() throws -> [CatalogAttributeGroup] {
    try read { db in
      var order = [String]()
      var members = [String: [String]]()
      for row in try Row.fetchAll(
        db,
        sql: """
          SELECT g.name AS g, m.attribute_name AS a FROM attribute_group g
          LEFT JOIN attribute_group_member m ON m.group_id = g.id ORDER BY g.position, m.position
          """)
      {
        let g: String = row["g"]
        if members[g] == nil { order.append(g) }
        if let a: String = row["a"] { members[g, default: []].append(a) } else { members[g] = members[g] ?? [] }
      }
      return order.map { CatalogAttributeGroup(name: $0, attributes: members[$0] ?? []) }
    }
  }

  /// Replaces all attribute groups in one transaction. Names must be unique and no attribute
  /// may belong to two groups (each interpolator branch owns its attributes).
  public func setAttributeGroups(_ groups: [CatalogAttributeGroup]) throws {
    var seenGroups = Set<String>()
    var owner = [String: String]()
    for group in groups {
      guard !group.name.isEmpty, seenGroups.insert(group.name).inserted else {
        throw CatalogError.invalidArgument("attribute group name \"\(group.name)\" is empty or repeated")
      }
      for a in group.attributes {
        if let other = owner.updateValue(group.name, forKey: a) {
          throw CatalogError.invalidArgument("attribute \(a) is in both groups \(other) and \(group.name)")
        }
      }
    }
    try write { db in
      try db.execute(sql: "DELETE FROM attribute_group")
      for (position, group) in groups.enumerated() {
        try db.execute(
          sql: "INSERT INTO attribute_group (name, position) VALUES (?, ?)", arguments: [group.name, position])
        let id = db.lastInsertedRowID
        for (index, name) in group.attributes.enumerated() {
          try db.execute(
            sql: "INSERT INTO attribute_group_member (group_id, attribute_name, position) VALUES (?, ?, ?)",
            arguments: [id, name, index])
        }
      }
    }
  }

  /// Per-attribute positive counts per split, optionally for one dataset, in slot order.
  public func attributeStats(dataset: String? = nil) throws -> [AttributeSplitStats] {
    try read { db in
      let attributes = try Row.fetchAll(db, sql: "SELECT name, slot FROM attribute ORDER BY slot").map {
        (name: $0["name"] as String, slot: $0["slot"] as Int)
      }
      var out = [AttributeSplitStats]()
      let byWord = Dictionary(grouping: attributes) { $0.slot / CatalogSchema.bitsPerWord }
      for word in byWord.keys.sorted() {
        guard let members = byWord[word] else { continue }
        // One pass over the word rows per 62 attributes: SUM of each bit, grouped by split.
        // Word 0 is in the image row; later words in image_attribute_word.
        let (present, positive) = word == 0 ? ("i.attr_present", "i.attr_positive") : ("w.present", "w.positive")
        var columns = [String]()
        var args = StatementArguments()
        for _ in members { columns.append("SUM((\(present) >> ?) & 1), SUM((\(positive) >> ?) & 1)") }
        for m in members { args += [m.slot % CatalogSchema.bitsPerWord, m.slot % CatalogSchema.bitsPerWord] }
        var sql = "SELECT COALESCE(i.split, 'none') AS split, \(columns.joined(separator: ", ")) FROM image i"
        var conditions = [String]()
        if word > 0 {
          sql += " JOIN image_attribute_word w ON w.image_id = i.id AND w.word = ?"
          args += [word]
        }
        if let dataset {
          sql += " JOIN dataset d ON d.id = i.dataset_id"
          conditions.append("d.name = ?")
          args += [dataset]
        }
        if !conditions.isEmpty { sql += " WHERE " + conditions.joined(separator: " AND ") }
        sql += " GROUP BY 1"
        for row in try Row.fetchAll(db, sql: sql, arguments: args) {
          let split: String = row[0]
          for (index, m) in members.enumerated() {
            let known: Int = row[1 + 2 * index] ?? 0
            guard known > 0 else { continue }
            out.append(
              AttributeSplitStats(attribute: m.name, split: split, known: known, positive: row[2 + 2 * index] ?? 0))
          }
        }
      }
      let splitOrder = ["train": 0, "val": 1, "test": 2, "none": 3]
      let slotOf = Dictionary(uniqueKeysWithValues: attributes.map { ($0.name, $0.slot) })
      return out.sorted {
        (slotOf[$0.attribute] ?? 0, splitOrder[$0.split] ?? 9) < (slotOf[$1.attribute] ?? 0, splitOrder[$1.split] ?? 9)
      }
    }
  }

  /// Counts of datasets, images, splits, models, latents and runs.
  public func summary() throws -> CatalogSummary {
    try read { db in
      var datasets = [String: Int]()
      for row in try Row.fetchAll(
        db, sql: "SELECT d.name, COUNT(i.id) FROM dataset d LEFT JOIN image i ON i.dataset_id = d.id GROUP BY d.id")
      {
        datasets[row[0]] = row[1]
      }
      var splits = [String: Int]()
      for row in try Row.fetchAll(db, sql: "SELECT COALESCE(split, 'none'), COUNT(*) FROM image GROUP BY 1") {
        splits[row[0]] = row[1]
      }
      func count(_ table: String) throws -> Int { try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? 0 }
      return CatalogSummary(
        datasets: datasets, images: try count("image"), attributes: try count("attribute"), imagesPerSplit: splits,
        models: try count("model"), latents: try count("latent"), runs: try count("run"))
    }
  }
}
