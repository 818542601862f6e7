import Foundation
import GRDB

/// A model whose latents the catalog stores.
public struct ModelInfo: Equatable, Codable, Sendable {
  public var name: String
  /// E.g. `homointerp`, `linear-latent`, `vgg-teacher`.
  public var kind: String
  /// SHA-256 of the weights file, when known.
  public var weightsHash: String?
  /// The model configuration as JSON.
  public var configJSON: String

  public init(name: String, kind: String, weightsHash: String? = nil, configJSON: String = "{}") {
    self.name = name
    self.kind = kind
    self.weightsHash = weightsHash
    self.configJSON = configJSON
  }
}

/// A latent to store for one image.
public struct LatentInput: Sendable {
  public var imageID: Int64
  /// The tensor, row-major.
  public var values: [Float]
  /// Its shape, e.g. [512, 8, 8] (channels first).
  public var shape: [Int]
  /// The vector used for nearest-neighbour search; nil = mean over all but the first axis.
  public var pooled: [Float]?

  public init(imageID: Int64, values: [Float], shape: [Int], pooled: [Float]? = nil) {
    self.imageID = imageID
    self.values = values
    self.shape = shape
    self.pooled = pooled
  }

  /// Channel means (first axis); the whole tensor when it is 1-D.
  public var pooledVector: [Float] {
    if let pooled { return pooled }
    guard shape.count >= 2, let channels = shape.first, channels > 0 else { return values }
    let per = values.count / channels
    return (0..<channels).map { c in
      var sum: Float = 0
      for i in 0..<per { sum += values[c * per + i] }
      return per > 0 ? sum / Float(per) : 0
    }
  }
}

/// A latent read back from the catalog (values decoded to Float32).
public struct StoredLatent: Equatable, Sendable {
  public var imageID: Int64
  public var model: String
  public var dtype: LatentDType
  public var shape: [Int]
  public var values: [Float]
  public var pooled: [Float]
}

/// One nearest-neighbour hit.
public struct Neighbour: Equatable, Codable, Sendable {
  public var image: ImageMatch
  /// Cosine similarity of the pooled vectors, in [-1, 1].
  public var similarity: Float
}

extension Catalog {
  /// Registers a model (or updates its kind, weights hash and config) and returns its id.
  @discardableResult
  public func registerModel(_ model: ModelInfo) throws -> Int64 {
    try write { db in
      try db.execute(
        sql: """
          INSERT INTO model (name, kind, weights_hash, config, created_at) VALUES (?, ?, ?, ?, ?)
          ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, weights_hash = excluded.weights_hash,
            config = excluded.config
          """, arguments: [model.name, model.kind, model.weightsHash, model.configJSON, Date()])
      return try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE name = ?", arguments: [model.name]) ?? 0
    }
  }

  /// All registered models.
  public func models() throws -> [ModelInfo] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT * FROM model ORDER BY name").map {
        ModelInfo(name: $0["name"], kind: $0["kind"], weightsHash: $0["weights_hash"], configJSON: $0["config"])
      }
    }
  }

  /// Stores (or replaces) latents of `model` in one transaction. The model must be registered.
  public func storeLatents(_ latents: [LatentInput], model: String, dtype: LatentDType = .float16) throws {
    for latent in latents {
      // Overflow-checked product: a nonsense shape must be an error, not a trap.
      let expected = latent.shape.reduce(Optional(1)) { product, n in
        product.flatMap { p in
          let (r, overflow) = p.multipliedReportingOverflow(by: n)
          return overflow ? nil : r
        }
      }
      guard !latent.shape.isEmpty, latent.shape.allSatisfy({ $0 > 0 }), expected == latent.values.count else {
        throw CatalogError.invalidArgument(
          "latent of image \(latent.imageID): shape \(latent.shape) does not hold \(latent.values.count) values")
      }
    }
    try write { db in
      let modelID = try Self.modelID(db, model)
      let statement = try db.makeStatement(
        sql: """
          INSERT OR REPLACE INTO latent (image_id, model_id, dtype, shape, pooled_norm, pooled, data, created_at)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?)
          """)
      let now = Date()
      for latent in latents {
        let pooled = latent.pooledVector
        var norm: Float = 0
        for v in pooled { norm += v * v }
        let shape = "[" + latent.shape.map(String.init).joined(separator: ",") + "]"
        do {
          try statement.execute(arguments: [
            latent.imageID, modelID, dtype.rawValue, shape, Double(norm.squareRoot()),
            LatentCodec.encode(pooled, as: .float32), LatentCodec.encode(latent.values, as: dtype), now,
          ])
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_FOREIGNKEY {
          throw CatalogError.notFound(kind: "image with id", name: String(latent.imageID))
        }
      }
    }
  }

  /// The latent of one image under one model, or nil.
  public func latent(imageID: Int64, model: String) throws -> StoredLatent? {
    try read { db in
      let modelID = try Self.modelID(db, model)
      guard
        let row = try Row.fetchOne(
          db, sql: "SELECT dtype, shape, data, pooled FROM latent WHERE model_id = ? AND image_id = ?",
          arguments: [modelID, imageID])
      else { return nil }
      guard let dtype = LatentDType(rawValue: row["dtype"]) else {
        throw CatalogError.database("latent of image \(imageID) has unknown dtype")
      }
      let shapeText: String = row["shape"]
      let shape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap {
        Int($0)
      }
      let data: Data = row["data"]
      let pooledData: Data = row["pooled"]
      return StoredLatent(
        imageID: imageID, model: model, dtype: dtype, shape: shape,
        values: try LatentCodec.decode(data, as: dtype, count: data.count / dtype.byteWidth),
        pooled: try LatentCodec.decode(pooledData, as: .float32, count: pooledData.count / 4))
    }
  }

  /// The `k` images whose pooled latent under `model` is most cosine-similar to `vector`,
  /// best first, optionally restricted by a query expression and split. Exact scan.
  public func nearest(
    to vector: [Float], model: String, k: Int, where expression: String? = nil, split: String? = nil,
    excluding excluded: Int64? = nil
  ) throws -> [Neighbour] {
    guard k > 0 else { return [] }
    var queryNorm: Float = 0
    for v in vector { queryNorm += v * v }
    queryNorm = queryNorm.squareRoot()
    return try read { db in
      let modelID = try Self.modelID(db, model)
      var sql = "SELECT l.image_id, l.pooled, l.pooled_norm FROM latent l"
      var args = StatementArguments()
      if expression != nil || split != nil {
        let compiled = try Self.compile(db, expression ?? "", split: split)
        sql += " JOIN image i ON i.id = l.image_id JOIN dataset d ON d.id = i.dataset_id \(compiled.joins)"
        sql += " WHERE l.model_id = ? AND \(compiled.condition)"
        args = compiled.joinArguments + [modelID] + compiled.conditionArguments
      } else {
        // `+` keeps SQLite off the (model_id, image_id) index: one sequential pass over the
        // table beats 200k index-then-row lookups when most rows belong to the model.
        sql += " WHERE +l.model_id = ?"
        args = [modelID]
      }
      var best = TopK(k: k)
      let cursor = try Row.fetchCursor(db, sql: sql, arguments: args)
      try vector.withUnsafeBufferPointer { query in
        while let row = try cursor.next() {
          let id: Int64 = row[0]
          if id == excluded { continue }
          let norm: Double = row[2]
          let dot = try row.withUnsafeData(atIndex: 1) { data -> Float in
            guard let data, data.count == query.count * 4 else {
              throw CatalogError.invalidArgument(
                "pooled vector of image \(id) has \((data?.count ?? 0) / 4) values, the query has \(query.count)")
            }
            return data.withUnsafeBytes { Self.dot($0, query) }
          }
          let denominator = Float(norm) * queryNorm
          best.insert(id, denominator > 0 ? dot / denominator : 0)
        }
      }
      let ranked = best.sorted
      var out = [Neighbour]()
      for (id, similarity) in ranked {
        if let row = try Row.fetchOne(
          db,
          sql: """
            SELECT i.id, d.name AS dataset, d.root, i.path, i.split, i.content_hash, i.identity
            FROM image i JOIN dataset d ON d.id = i.dataset_id WHERE i.id = ?
            """, arguments: [id])
        {
          out.append(Neighbour(image: Self.imageMatch(row), similarity: similarity))
        }
      }
      return out
    }
  }

  /// Nearest neighbours of a catalog image's own latent (the image itself is left out).
  public func nearest(
    toImage imageID: Int64, model: String, k: Int, where expression: String? = nil, split: String? = nil
  ) throws -> [Neighbour] {
    guard let latent = try latent(imageID: imageID, model: model) else {
      throw CatalogError.notFound(kind: "latent for model \(model) of image", name: String(imageID))
    }
    return try nearest(to: latent.pooled, model: model, k: k, where: expression, split: split, excluding: imageID)
  }

  static func modelID(_ db: Database, _ name: String) throws -> Int64 {
    guard let id = try Int64.fetchOne(db, sql: "SELECT id FROM model WHERE name = ?", arguments: [name]) else {
      throw CatalogError.notFound(kind: "model", name: name)
    }
    return id
  }

  /// Dot product of little-endian Float32 bytes with `query`, eight lanes at a time.
  static func dot(_ bytes: UnsafeRawBufferPointer, _ query: UnsafeBufferPointer<Float>) -> Float {
    let n = query.count
    var acc = SIMD8<Float>()
    var i = 0
    if let q = query.baseAddress {
      let qRaw = UnsafeRawPointer(q)
      while i + 8 <= n {
        let a = bytes.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        let b = qRaw.loadUnaligned(fromByteOffset: i * 4, as: SIMD8<Float>.self)
        acc += a * b
        i += 8
      }
    }
    var sum = acc.sum()
    while i < n {
      sum += bytes.loadUnaligned(fromByteOffset: i * 4, as: Float.self) * query[i]
      i += 1
    }
    return sum
  }
}

/// Keeps the k best (id, score) pairs seen so far.
struct TopK {
  let k: Int
  private(set) var items: [(Int64, Float)] = []

  init(k: Int) {
    self.k = k
    items.reserveCapacity(k + 1)
  }

  mutating func insert(_ id: Int64, _ score: Float) {
    if items.count == k, let worst = items.last, score <= worst.1 { return }
    let position = items.firstIndex { $0.1 < score } ?? items.count
    items.insert((id, score), at: position)
    if items.count > k { items.removeLast() }
  }

  var sorted: [(Int64, Float)] { items }
}
