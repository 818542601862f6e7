import Foundation
import GRDB

/// The element-wise mean of stored latents of one model over a set of images.
public struct LatentMean: Equatable, Sendable {
  /// Shape of each latent (and of `values`), e.g. [32, 8, 8].
  public var shape: [Int]
  /// The mean, row-major.
  public var values: [Float]
  /// How many latents were averaged.
  public var count: Int
}

/// An attribute direction in latent space: the mean latent of images matching an attribute
/// expression minus the mean latent of images not matching it. Adding it to a face's latent
/// stands in for "a reference with the attribute" when no reference image is at hand.
public struct AttributePrototype: Equatable, Sendable {
  public var expression: String
  public var model: String
  public var shape: [Int]
  /// mean(with) − mean(without), row-major.
  public var direction: [Float]
  /// Latents averaged on each side.
  public var withCount: Int
  public var withoutCount: Int
}

extension Catalog {
  /// The mean of the stored latents under `model` of the images matching `expression` (an
  /// attribute query as in `query(_:split:limit:)`), at most `limit` of them in catalog order.
  /// Throws `notFound` when no matching image has a latent, and `invalidArgument` when the
  /// latents do not all have one shape.
  public func meanLatent(matching expression: String, model: String, split: String? = nil, limit: Int? = nil) throws
    -> LatentMean
  {
    guard let mean = try accumulateLatents(expression, model: model, split: split, limit: limit) else {
      throw CatalogError.notFound(kind: "latent under model \(model) of an image matching", name: expression)
    }
    return mean
  }

  /// mean(latents of images matching `expression`) − mean(latents of images not matching it),
  /// over the latents stored under `model`; "not matching" is the query `NOT (expression)`, so
  /// images whose dataset lacks an attribute of the expression are on neither side.
  /// Throws `notFound` when either side has no latent.
  public func attributePrototype(_ expression: String, model: String, split: String? = nil) throws -> AttributePrototype {
    guard let with = try accumulateLatents(expression, model: model, split: split, limit: nil) else {
      throw CatalogError.notFound(kind: "latent under model \(model) of an image matching", name: expression)
    }
    let negated = "NOT (\(expression))"
    guard let without = try accumulateLatents(negated, model: model, split: split, limit: nil) else {
      throw CatalogError.notFound(kind: "latent under model \(model) of an image matching", name: negated)
    }
    guard with.shape == without.shape else {
      throw CatalogError.invalidArgument(
        "latents of model \(model) differ in shape: \(with.shape) with \(expression), \(without.shape) without")
    }
    var direction = with.values
    for i in direction.indices { direction[i] -= without.values[i] }
    return AttributePrototype(
      expression: expression, model: model, shape: with.shape, direction: direction, withCount: with.count,
      withoutCount: without.count)
  }

  /// Streams the matching latents once, summing in Double; nil when none matches.
  func accumulateLatents(_ expression: String, model: String, split: String?, limit: Int?) throws -> LatentMean? {
    try read { db in
      let modelID = try Self.modelID(db, model)
      let compiled = try Self.compile(db, expression, split: split)
      let (from, arguments) = compiled.fromWhere
      var sql = """
        SELECT l.image_id, l.dtype, l.shape, l.data FROM latent l
        WHERE l.model_id = ? AND l.image_id IN (SELECT i.id \(from)) ORDER BY l.image_id
        """
      var args: StatementArguments = [modelID]
      args += arguments
      if let limit {
        sql += " LIMIT ?"
        args += [limit]
      }
      var sum: [Double] = []
      var shape: [Int] = []
      var count = 0
      let cursor = try Row.fetchCursor(db, sql: sql, arguments: args)
      while let row = try cursor.next() {
        let imageID: Int64 = row[0]
        guard let dtype = LatentDType(rawValue: row[1]) else {
          throw CatalogError.database("latent of image \(imageID) has unknown dtype")
        }
        let shapeText: String = row[2]
        let rowShape = shapeText.trimmingCharacters(in: CharacterSet(charactersIn: "[]")).split(separator: ",").compactMap {
          Int($0)
        }
        let data: Data = row[3]
        let values = try LatentCodec.decode(data, as: dtype, count: data.count / dtype.byteWidth)
        if count == 0 {
          shape = rowShape
          sum = [Double](repeating: 0, count: values.count)
        } else if rowShape != shape || values.count != sum.count {
          throw CatalogError.invalidArgument(
            "latents of model \(model) differ in shape: image \(imageID) has \(rowShape), earlier ones \(shape)")
        }
        sum.withUnsafeMutableBufferPointer { s in
          values.withUnsafeBufferPointer { v in
            for i in 0..<v.count { s[i] += Double(v[i]) }
          }
        }
        count += 1
      }
      guard count > 0 else { return nil }
      let scale = 1 / Double(count)
      return LatentMean(shape: shape, values: sum.map { Float($0 * scale) }, count: count)
    }
  }
}
