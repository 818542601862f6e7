import Foundation
import MorphImaging
import MorphTensor

/// The two domains' training images: counts and a loader giving [N, 3, S, S] batches in
/// [−1, 1] for given indices (the jitter item number keeps augmentation reproducible).
public struct CycleGANData: Sendable {
  public var countA: Int
  public var countB: Int
  /// Describes the data for checkpoint metadata (directory, split, counts).
  public var description: String
  /// (domain B?, indices, first jitter item) → images.
  public var load: @Sendable (_ domainB: Bool, _ indices: [Int], _ firstItem: Int) throws -> Tensor

  public init(countA: Int, countB: Int, description: String, load: @escaping @Sendable (Bool, [Int], Int) throws -> Tensor) {
    self.countA = countA
    self.countB = countB
    self.description = description
    self.load = load
  }

  /// In-memory domains [NA, 3, S, S] and [NB, 3, S, S] (tests, pipeline batches).
  public static func tensors(a: Tensor, b: Tensor) throws -> CycleGANData {
    guard a.rank == 4, b.rank == 4, a.shape[0] > 0, b.shape[0] > 0, Array(a.shape.dropFirst()) == Array(b.shape.dropFirst()) else {
      throw CycleGANError.badData("domain tensors must be non-empty [N, 3, S, S] of one size, got \(a.shape) and \(b.shape)")
    }
    return CycleGANData(countA: a.shape[0], countB: b.shape[0], description: "in-memory \(a.shape[0]) A + \(b.shape[0]) B") { domainB, indices, _ in
      (domainB ? b : a).indexSelect(indices)
    }
  }

  /// The mild geometric jitter of training: ±3 % shift, ±3 % zoom, ±2° rotation, no flips.
  public static let defaultJitter = JitterOptions(
    maxShift: 0.03, scale: 0.97...1.03, maxRotationDegrees: 2, flipProbability: 0, maxBrightness: 0, maxContrast: 0)

  /// The training faces (CelebA splits 0 and 1; with `heldOut`, the test split 2) of a
  /// synthetic set written by `morph fixtures toyfaces`, split into domains by `split`;
  /// CelebA crop at `imageSize`; at most `limit` faces.
  public static func faceSet(
    directory: URL, split: CycleGANDomainSplit, imageSize: Int, jitter: JitterOptions? = defaultJitter, seed: UInt64,
    limit: Int? = nil, heldOut: Bool = false
  ) throws -> CycleGANData {
    let all = try ToyFaceSetReader.read(directory)
    var train = all.filter { ($0.partition == 2) == heldOut }
    if train.isEmpty { train = all }
    if let limit { train = Array(train.prefix(limit)) }
    let b = train.filter { split.isDomainB($0.parameters) }
    let a = train.filter { !split.isDomainB($0.parameters) }
    guard !a.isEmpty, !b.isEmpty else {
      throw CycleGANError.badData(
        "\(directory.path): split '\(split.name)' leaves \(a.count) faces in domain A and \(b.count) in domain B; both need at least one")
    }
    let preprocessor = ImagePreprocessor(
      size: imageSize, alignment: .celebaCrop, jitter: jitter.map { Jitter(seed: seed, options: $0) },
      normalisation: .symmetric)
    let folder = directory.appendingPathComponent("img_align_celeba")
    let urlsA = a.map { folder.appendingPathComponent($0.name) }, urlsB = b.map { folder.appendingPathComponent($0.name) }
    return CycleGANData(
      countA: a.count, countB: b.count, description: "\(directory.path) split \(split.name): \(a.count) A, \(b.count) B"
    ) { domainB, indices, firstItem in
      let urls = indices.map { (domainB ? urlsB : urlsA)[$0] }
      // Domain B items get distinct jitter item numbers from domain A's.
      let (batch, errors) = try preprocessor.batch(urls, firstItem: firstItem * 2 + (domainB ? 1 : 0), parallelism: 2)
      if let i = errors.firstIndex(where: { $0 != nil }), let error = errors[i] {
        throw CycleGANError.badData("\(urls[i].path): \(error)")
      }
      return Tensor(shape: batch.shape, scalars: batch.data)
    }
  }
}
