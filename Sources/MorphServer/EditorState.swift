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
  private var faces: [String: EditorFace] = [:]
  private var faceOrder: [String] = []
  private var faceKeys: [String: String] = [:]
  private var references: [String: EditorReference] = [:]
  private var referenceOrder: [String] = []
  private var referenceKeys: [String: String] = [:]
  private var nextFace = 1
  private var nextReference = 1
  /// Branch outputs per (face, reference) pair, newest last: a slider move on a pair seen
  /// before costs the weighted sum and the decode only.
  private var branches: [(key: String, value: HomoInterpBranches)] = []
  let capacity: Int
  static let branchCapacity = 16

  init(capacity: Int) { self.capacity = max(1, capacity) }

  /// The face already added under `key` (same file, same alignment), if it is still cached.
  func face(forKey key: String) -> EditorFace? { faceKeys[key].flatMap { faces[$0] } }

  /// Adds a face built by `make` from a fresh id; `key` identifies its source for reuse.
  func addFace(key: String, _ make: @Sendable (String) -> EditorFace) -> EditorFace {
    let id = "f\(nextFace)"
    nextFace += 1
    let face = make(id)
    faces[id] = face
    faceOrder.append(id)
    faceKeys[key] = id
    while faceOrder.count > capacity {
      let old = faceOrder.removeFirst()
      faces[old] = nil
      faceKeys = faceKeys.filter { $0.value != old }
    }
    return face
  }

  /// The face with this id, or a 404 that lists the ids there are.
  func face(_ id: String) throws -> EditorFace {
    guard let face = faces[id] else {
      throw ServeError.notFound(
        "unknown face id `\(id)`: add the face first (POST /api/faces or /api/photos)"
          + (faceOrder.isEmpty ? "; no face is loaded yet" : "; loaded faces: \(faceOrder.suffix(12).joined(separator: ", "))"))
    }
    return face
  }

  func allFaces() -> [EditorFace] { faceOrder.compactMap { faces[$0] } }

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

  func reference(forKey key: String) -> EditorReference? { referenceKeys[key].flatMap { references[$0] } }

  func addReference(key: String, _ make: @Sendable (String) -> EditorReference) -> EditorReference {
    let id = "r\(nextReference)"
    nextReference += 1
    let reference = make(id)
    references[id] = reference
    referenceOrder.append(id)
    referenceKeys[key] = id
    while referenceOrder.count > capacity {
      let old = referenceOrder.removeFirst()
      references[old] = nil
      referenceKeys = referenceKeys.filter { $0.value != old }
    }
    return reference
  }

  func reference(_ id: String) throws -> EditorReference {
    guard let reference = references[id] else {
      throw ServeError.notFound(
        "unknown reference id `\(id)`: resolve a reference first (POST /api/references)"
          + (referenceOrder.isEmpty ? "" : "; resolved references: \(referenceOrder.suffix(12).joined(separator: ", "))"))
    }
    return reference
  }
}
