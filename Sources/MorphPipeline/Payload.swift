import Foundation
import MorphImaging

/// What flows along a recipe edge for one item.
public enum Payload: @unchecked Sendable {
  /// An 8-bit sRGB image (kind `images`).
  case image(VipsImage)
  /// Float32 values with a shape (kinds `tensors` and `latents`).
  case tensor(shape: [Int], data: [Float])
  /// A flat record of named text fields (kind `records`).
  case record([String: String])
}

/// One item on its way through the stages: its identity, its cache key so far, and its data.
public struct Item: Sendable {
  /// Stable identifier, e.g. the input file name; used in errors, records and `morph explain`.
  public var id: String
  /// Position in the source order, so reductions (grids) come out in a stable order.
  public var ordinal: Int
  /// The cache key of the result this payload is (for sources: the input content hash).
  public var key: String
  public var payload: Payload
  /// The file the item came from, when it came from one (landmark sidecars sit beside it).
  public var origin: URL?
  /// The face this item is, downstream of a detector (`detect`); per-item stages pass it on
  /// unchanged, so `align` and `paste` know where in the photo the face sits.
  public var face: ItemFace?

  public init(id: String, ordinal: Int, key: String, payload: Payload, origin: URL? = nil, face: ItemFace? = nil) {
    self.id = id
    self.ordinal = ordinal
    self.key = key
    self.payload = payload
    self.origin = origin
    self.face = face
  }
}

/// An item a source stage can produce, known (with its content hash) before it is loaded.
public struct SourceItem: Sendable {
  public var id: String
  /// Hash of the item's content: the root of every downstream cache key. It must cover
  /// everything that makes the payload what it is (the source's parameters are not hashed).
  public var contentKey: String
  /// Produces the payload (loads the file, reads the row …).
  public var load: @Sendable () throws -> Payload
  public var origin: URL?
  /// Its position among all the source's items, when the source left some out (`takesItem`):
  /// item order (and what depends on it, e.g. jitter's per-item seed) stays that of the whole list.
  public var ordinal: Int?

  public init(
    id: String, contentKey: String, origin: URL? = nil, ordinal: Int? = nil,
    load: @escaping @Sendable () throws -> Payload
  ) {
    self.id = id
    self.contentKey = contentKey
    self.origin = origin
    self.ordinal = ordinal
    self.load = load
  }
}
