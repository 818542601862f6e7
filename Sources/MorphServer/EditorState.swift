import Foundation
import MorphImaging
import MorphModels

// MARK: - Faces

/// Where an editor face came from: what the equivalent `morph run` needs to find it again.
enum FaceSource: Sendable, Equatable {
  /// A file of the `--faces` folder.
  case folder(file: URL)
  /// A catalog image (a file the catalog knows).
  case catalog(imageID: Int64, file: URL)
  /// An uploaded image, aligned as a whole (`uploads/` of the output folder).
  case upload(file: URL)
  /// One face the detector found in an uploaded photo.
  case detected(photo: URL, index: Int, box: FaceBox)

  /// The image file the face was taken from.
  var file: URL {
    switch self {
    case .folder(let file), .catalog(_, let file), .upload(let file): return file
    case .detected(let photo, _, _): return photo
    }
  }
}

/// A face the editor works on: its aligned image and its latent, computed once.
struct EditorFace: Sendable {
  var id: String
  var label: String
  var source: FaceSource
  /// celeba-crop, centre-crop or detected.
  var align: String
  /// The aligned face at the model's size.
  var image: VipsImage
  /// The encoder's latent `[C, s, s]`, row-major.
  var latent: [Float]
}

// MARK: - References

/// What a face moves toward: one latent, or a direction added to the face's own latent (an
/// attribute prototype), as `homointerp.interpolate` resolves its reference.
enum ReferenceValue: Sendable {
  case latent([Float])
  case direction([Float])
}

/// A reference the editor resolved once: a face, a catalog query (mean latent of its first
/// matches) or an attribute prototype (mean with − mean without).
struct EditorReference: Sendable {
  var id: String
  /// face, query or prototype.
  var kind: String
  var label: String
  var value: ReferenceValue
  /// For kind `face`: the face it is.
  var face: EditorFace?
  /// For kinds `query` and `prototype`: the expression, split and count used.
  var query: String?
  var split: String?
  var count: Int?
}

// MARK: - State

/// The faces and references of a server, by id, each computed once and then reused by every
/// slider move. Bounded: past `capacity` entries of a kind the oldest is dropped (a dropped
/// id then answers 404 and the page adds the face again).
actor EditorState {
  private var faces: IDCache<EditorFace>
  private var references: IDCache<EditorReference>
  /// Branch outputs per (face, reference) pair, newest last: a slider move on a pair seen
  /// before costs the weighted sum and the decode only.
  private var branches: [(key: String, value: HomoInterpBranches)] = []
  let capacity: Int
  static let branchCapacity = 16

  init(capacity: Int) {
    self.capacity = max(1, capacity)
    faces = IDCache(prefix: "f", capacity: self.capacity)
    references = IDCache(prefix: "r", capacity: self.capacity)
  }

  /// The face already added under `key` (same file, same alignment), if it is still cached.
  func face(forKey key: String) -> EditorFace? { faces.value(forKey: key) }

  /// Adds a face built by `make` from a fresh id; `key` identifies its source for reuse.
  func addFace(key: String, _ make: @Sendable (String) -> EditorFace) -> EditorFace { faces.add(key: key, make) }

  /// The face with this id, or a 404 that lists the ids there are.
  func face(_ id: String) throws -> EditorFace {
    guard let face = faces.values[id] else {
      throw ServeError.notFound(
        "unknown face id `\(id)`: add the face first (POST /api/faces or /api/photos)"
          + (faces.order.isEmpty ? "; no face is loaded yet" : "; loaded faces: \(faces.order.suffix(12).joined(separator: ", "))"))
    }
    return face
  }

  func allFaces() -> [EditorFace] { faces.all }

  func branches(forKey key: String) -> HomoInterpBranches? {
    guard let index = branches.firstIndex(where: { $0.key == key }) else { return nil }
    let entry = branches.remove(at: index)
    branches.append(entry)
    return entry.value
  }

  func storeBranches(_ value: HomoInterpBranches, forKey key: String) {
    branches.removeAll { $0.key == key }
    branches.append((key, value))
    if branches.count > Self.branchCapacity { branches.removeFirst() }
  }

  func reference(forKey key: String) -> EditorReference? { references.value(forKey: key) }

  func addReference(key: String, _ make: @Sendable (String) -> EditorReference) -> EditorReference {
    references.add(key: key, make)
  }

  func reference(_ id: String) throws -> EditorReference {
    guard let reference = references.values[id] else {
      throw ServeError.notFound(
        "unknown reference id `\(id)`: resolve a reference first (POST /api/references)"
          + (references.order.isEmpty ? "" : "; resolved references: \(references.order.suffix(12).joined(separator: ", "))"))
    }
    return reference
  }
}

/// Values under ids `PREFIX1`, `PREFIX2` …, oldest dropped past `capacity`, each also found by
/// the key of its source (the same file and alignment give the same face).
struct IDCache<Value> {
  let prefix: String
  let capacity: Int
  private(set) var values: [String: Value] = [:]
  private(set) var order: [String] = []
  private var keys: [String: String] = [:]
  private var next = 1

  init(prefix: String, capacity: Int) {
    self.prefix = prefix
    self.capacity = capacity
  }

  func value(forKey key: String) -> Value? { keys[key].flatMap { values[$0] } }

  var all: [Value] { order.compactMap { values[$0] } }

  mutating func add(key: String, _ make: (String) -> Value) -> Value {
    let id = "\(prefix)\(next)"
    next += 1
    let value = make(id)
    values[id] = value
    order.append(id)
    keys[key] = id
    while order.count > capacity {
      let old = order.removeFirst()
      values[old] = nil
      keys = keys.filter { $0.value != old }
    }
    return value
  }
}
