import Foundation
import MorphImaging

/// What `ToyFaceSetWriter.write` produced.
public struct ToyFaceSetSummary: Sendable {
  public var count: Int
  public var directory: URL
  public var seconds: Double
}

/// Renders a synthetic face set and writes it in CelebA's aligned layout:
/// `img_align_celeba/*.jpg`, `list_attr_celeba.txt`, `list_landmarks_align_celeba.txt`,
/// `list_eval_partition.txt`, plus `params.csv` with the continuous parameters.
public struct ToyFaceSetWriter: Sendable {
  public var renderer: ToyFaceRenderer
  public var sampler: ToyFaceSampler
  public var seed: UInt64
  /// JPEG quality.
  public var quality: Int

  public init(renderer: ToyFaceRenderer = ToyFaceRenderer(), sampler: ToyFaceSampler = ToyFaceSampler(), seed: UInt64, quality: Int = 95) {
    self.renderer = renderer
    self.sampler = sampler
    self.seed = seed
    self.quality = quality
  }

  /// The file name of face `index` (0-based): CelebA's `000001.jpg` numbering.
  public static func imageName(_ index: Int) -> String { String(format: "%06d.jpg", index + 1) }

  /// CelebA split of face `index` out of `count`: 0 train (80 %), 1 validation, 2 test.
  public static func partition(_ index: Int, of count: Int) -> Int {
    if index < count * 8 / 10 { return 0 }
    return index < count * 9 / 10 ? 1 : 2
  }

  /// Renders `count` faces into `directory` (created if needed), in parallel.
  @discardableResult
  public func write(count: Int, to directory: URL) throws -> ToyFaceSetSummary {
    guard count > 0 else { throw ToyFaceError.badOption("--count must be positive, got \(count)") }
    let start = Date()
    let images = directory.appendingPathComponent("img_align_celeba")
    try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
    let params = (0..<count).map { sampler.parameters(seed: seed, index: $0) }
    let landmarks = LockedArray<FaceLandmarks>(count: count)
    let failure = LockedArray<String>(count: 1)
    DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { worker in
      var i = worker
      let stride = ProcessInfo.processInfo.activeProcessorCount
      while i < count {
        let face = renderer.render(params[i])
        landmarks[i] = face.landmarks
        do {
          let image = try VipsImage(pixels: face.pixels, width: face.width, height: face.height)
          try image.save(to: images.appendingPathComponent(Self.imageName(i)), quality: quality)
        } catch {
          failure[0] = "\(error)"
        }
        i += stride
      }
    }
    if let message = failure[0] { throw ImagingError.vips(message) }

    var attr = "\(count)\n" + CelebAAttributeNames.all.joined(separator: " ") + "\n"
    var marks = "\(count)\nlefteye_x lefteye_y righteye_x righteye_y nose_x nose_y leftmouth_x leftmouth_y rightmouth_x rightmouth_y\n"
    var partition = ""
    var csv = (["image"] + ToyFaceIdentity.fieldNames + ToyFaceAttribute.allCases.map(\.rawValue)).joined(separator: ",") + "\n"
    for i in 0..<count {
      let name = Self.imageName(i)
      let labels: [String] = params[i].celebALabels.map { $0 > 0 ? " 1" : "-1" }
      attr += name + " " + labels.joined(separator: " ") + "\n"
      let points: [Double] = (landmarks[i]?.points ?? []).flatMap { [$0.x, $0.y] }
      let columns: [String] = points.map { String(format: "%4d", Int($0.rounded())) }
      marks += name + " " + columns.joined(separator: " ") + "\n"
      partition += "\(name) \(Self.partition(i, of: count))\n"
      let values: [Double] = params[i].identity.values + params[i].attributes
      let fields: [String] = values.map { String(format: "%.6f", $0) }
      csv += name + "," + fields.joined(separator: ",") + "\n"
    }
    try attr.write(to: directory.appendingPathComponent("list_attr_celeba.txt"), atomically: true, encoding: .utf8)
    try marks.write(
      to: directory.appendingPathComponent("list_landmarks_align_celeba.txt"), atomically: true, encoding: .utf8)
    try partition.write(to: directory.appendingPathComponent("list_eval_partition.txt"), atomically: true, encoding: .utf8)
    try csv.write(to: directory.appendingPathComponent("params.csv"), atomically: true, encoding: .utf8)
    return ToyFaceSetSummary(count: count, directory: directory, seconds: Date().timeIntervalSince(start))
  }
}

/// A fixed-size array that parallel workers write to by index, guarded by a lock.
final class LockedArray<Element>: @unchecked Sendable {
  private var storage: [Element?]
  private let lock = NSLock()

  init(count: Int) { storage = [Element?](repeating: nil, count: count) }

  var count: Int { storage.count }

  subscript(_ i: Int) -> Element? {
    get { lock.lock(); defer { lock.unlock() }; return storage[i] }
    set { lock.lock(); defer { lock.unlock() }; storage[i] = newValue }
  }
}
