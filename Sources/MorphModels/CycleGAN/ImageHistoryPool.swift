import MorphTensor

/// The discriminator's history of generated images (Shrivastava et al.; CycleGAN §4): until
/// full it stores and returns each new image; then, with probability ½, it returns a stored
/// image and keeps the new one in its place, otherwise it returns the new image.
///
/// Draws come from a generator the caller seeds per step, so a resumed run repeats exactly.
public struct ImageHistoryPool: Sendable {
  public let capacity: Int
  /// Stored images, each C×H×W scalars.
  public private(set) var images: [[Float]] = []
  /// Shape of one image, C×H×W.
  public private(set) var imageShape: [Int]

  public init(capacity: Int, imageShape: [Int]) {
    self.capacity = capacity
    self.imageShape = imageShape
  }

  /// The batch the discriminator sees in place of `fakes` [N, C, H, W] (a new, detached tensor).
  public mutating func query(_ fakes: Tensor, rng: inout RandomGenerator) -> Tensor {
    guard capacity > 0 else { return fakes.detached() }
    let n = fakes.shape[0], per = fakes.count / max(n, 1)
    var out: [Float] = []
    out.reserveCapacity(fakes.count)
    for i in 0..<n {
      let image = Array(fakes.scalars[(i * per)..<((i + 1) * per)])
      if images.count < capacity {
        images.append(image)
        out += image
      } else if rng.nextUniform() < 0.5 {
        let k = Int(rng.next() % UInt64(capacity))
        out += images[k]
        images[k] = image
      } else {
        out += image
      }
    }
    return Tensor(shape: fakes.shape, scalars: out)
  }

  /// The stored images as one tensor [count, C, H, W] (nil when empty), for checkpoints.
  public var tensor: Tensor? {
    images.isEmpty ? nil : Tensor(shape: [images.count] + imageShape, scalars: images.flatMap { $0 })
  }

  /// Restores what `tensor` saved; throws when the shape does not fit.
  public mutating func restore(_ t: Tensor?, key: String) throws {
    guard let t else {
      images = []
      return
    }
    guard t.rank == 4, Array(t.shape.dropFirst()) == imageShape, t.shape[0] <= capacity else {
      throw CycleGANError.badCheckpoint(file: key, message: "history pool has shape \(t.shape), expected [≤\(capacity)] + \(imageShape)")
    }
    let per = imageShape.reduce(1, *)
    images = (0..<t.shape[0]).map { Array(t.scalars[($0 * per)..<(($0 + 1) * per)]) }
  }
}
