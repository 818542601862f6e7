import Foundation
import MorphImaging

/// One detected face of a photo, as carried by the items downstream of `detect`.
///
/// Coordinates are in the pixels of the full-resolution photo as `ImageLoader` decodes it
/// (EXIF rotation applied), whatever size the detector looked at.
public struct ItemFace: Sendable, Equatable {
  /// The face's bounding box, corners in photo pixels.
  public struct Box: Sendable, Equatable {
    public var x0: Double, y0: Double, x1: Double, y1: Double

    public init(x0: Double, y0: Double, x1: Double, y1: Double) {
      self.x0 = x0
      self.y0 = y0
      self.x1 = x1
      self.y1 = y1
    }
  }

  /// Position among the photo's faces, in the detector's order (the `k` of `photo#k`).
  public var index: Int
  public var box: Box
  public var score: Double
  public var landmarks: FaceLandmarks
  public var photoWidth: Int
  public var photoHeight: Int
  /// The photo's file (the paste reloads it at full resolution from here).
  public var origin: URL?

  public init(
    index: Int, box: Box, score: Double, landmarks: FaceLandmarks, photoWidth: Int, photoHeight: Int, origin: URL?
  ) {
    self.index = index
    self.box = box
    self.score = score
    self.landmarks = landmarks
    self.photoWidth = photoWidth
    self.photoHeight = photoHeight
    self.origin = origin
  }

  // MARK: - As text fields (cached expansion manifests)

  /// The face as flat text fields under `prefix` (numbers in full precision).
  func fields(prefix: String) -> [String: String] {
    let numbers = [box.x0, box.y0, box.x1, box.y1, score] + landmarks.points.flatMap { [$0.x, $0.y] }
    var out = [
      prefix + "index": String(index), prefix + "numbers": numbers.map { "\($0)" }.joined(separator: ","),
      prefix + "size": "\(photoWidth)x\(photoHeight)",
    ]
    if let origin { out[prefix + "origin"] = origin.path }
    return out
  }

  /// The face stored by `fields(prefix:)`, or nil when the fields are missing or malformed.
  init?(fields: [String: String], prefix: String) {
    guard let index = fields[prefix + "index"].flatMap(Int.init),
      let numbers = fields[prefix + "numbers"]?.split(separator: ",").compactMap({ Double($0) }), numbers.count == 15,
      let size = fields[prefix + "size"]?.split(separator: "x").compactMap({ Int($0) }), size.count == 2,
      let landmarks = try? FaceLandmarks(flat: numbers[5...])
    else { return nil }
    self.init(
      index: index, box: Box(x0: numbers[0], y0: numbers[1], x1: numbers[2], y1: numbers[3]), score: numbers[4],
      landmarks: landmarks, photoWidth: size[0], photoHeight: size[1],
      origin: fields[prefix + "origin"].map { URL(fileURLWithPath: $0) })
  }
}

/// The parent of an item id made by an expanding stage: `photo.jpg#2` → `photo.jpg`. Ids
/// that do not end in `#<digits>` (a file named `a#b.jpg`) are their own parent.
public func parentItemID(_ id: String) -> String {
  guard let hash = id.lastIndex(of: "#") else { return id }
  let k = id[id.index(after: hash)...]
  guard !k.isEmpty, k.allSatisfy(\.isASCII), k.allSatisfy(\.isNumber) else { return id }
  return String(id[..<hash])
}

/// The source item an item id derives from, through any number of expansions
/// (`photo.jpg#0#3` → `photo.jpg`).
public func sourceItemID(_ id: String) -> String {
  var current = id
  while true {
    let parent = parentItemID(current)
    if parent == current { return current }
    current = parent
  }
}
