import Foundation

/// Finds an image's five landmarks for landmark alignment, by the rules an image carries with
/// it, tried in order: its sidecar (`photo.landmarks.json` / `.csv`), then its dataset's
/// landmark list (a CelebA folder's `list_landmarks_align_celeba.txt`, or Kaggle's `.csv`, for
/// images under `img_align_celeba/`; `list_landmarks_celeba` for `img_celeba/`). When neither
/// has the image, the error says which rules were tried and where.
public enum LandmarkLookup {
  /// What was found and by which rule (`sidecar …`, `list_landmarks_align_celeba.txt`).
  public struct Found: Sendable {
    public var landmarks: FaceLandmarks
    public var rule: String
  }

  /// The landmarks of the image at `file`, or nil with the rules tried (for an error message).
  public static func find(forImage file: URL) throws -> Result<Found, NotFound> {
    var tried: [String] = []
    if let points = try LandmarkFiles.sidecar(forImage: file) {
      return .success(Found(landmarks: points, rule: "sidecar"))
    }
    let base = file.deletingPathExtension().lastPathComponent
    tried.append("a sidecar (\(LandmarkFiles.sidecarSuffixes.map { "\(base).\($0)" }.joined(separator: " or ")))")
    let lists = candidateLists(forImage: file)
    for list in lists where FileManager.default.fileExists(atPath: list.path) {
      if let points = try DatasetLists.shared.landmarks(in: list)[file.lastPathComponent] {
        return .success(Found(landmarks: points, rule: list.lastPathComponent))
      }
      tried.append("\(list.path) (does not list \(file.lastPathComponent))")
    }
    if !tried.contains(where: { $0.hasPrefix("/") }) {
      let names = Set(lists.map(\.lastPathComponent)).sorted().joined(separator: " or ")
      let folders = Set(lists.map { $0.deletingLastPathComponent().path }).sorted()
      tried.append("a dataset landmark list (no \(names) in \(folders.joined(separator: ", ")))")
    }
    return .failure(NotFound(file: file, tried: tried))
  }

  /// The rules tried for an image without landmarks.
  public struct NotFound: Error, Sendable {
    public var file: URL
    public var tried: [String]

    /// `no landmarks for X: tried a sidecar (…), a dataset landmark list (…)`.
    public var description: String {
      "no landmarks for \(file.lastPathComponent): tried " + tried.joined(separator: "; ")
    }
  }

  /// The dataset landmark lists that may list `file`: in each of the three folders above it
  /// (CelebA's own layout keeps them beside `img_align_celeba/` or in `Anno/`; Kaggle's nests
  /// the images one level deeper).
  static func candidateLists(forImage file: URL) -> [URL] {
    let folder = file.deletingLastPathComponent()
    let stem = folder.lastPathComponent == "img_celeba" ? "list_landmarks_celeba" : "list_landmarks_align_celeba"
    var lists: [URL] = []
    var dir = folder.deletingLastPathComponent()
    for _ in 0..<3 {
      for sub in ["", "Anno"] {
        let d = sub.isEmpty ? dir : dir.appendingPathComponent(sub)
        lists += ["txt", "csv"].map { d.appendingPathComponent("\(stem).\($0)") }
      }
      if dir.path == "/" { break }
      dir = dir.deletingLastPathComponent()
    }
    return lists
  }
}

/// Parsed landmark lists, read once per process: a run aligns many images by one list.
final class DatasetLists: @unchecked Sendable {
  // @unchecked: `lists` is only touched under `lock`.
  static let shared = DatasetLists()
  private let lock = NSLock()
  private var lists: [String: [String: FaceLandmarks]] = [:]

  func landmarks(in url: URL) throws -> [String: FaceLandmarks] {
    lock.lock()
    defer { lock.unlock() }
    if let list = lists[url.path] { return list }
    let list = try LandmarkFiles.readCelebAList(url)
    lists[url.path] = list
    return list
  }
}
