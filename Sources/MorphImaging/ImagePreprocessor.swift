import Foundation

/// How a photo is brought onto the model's square crop.
public enum AlignmentMode: String, Sendable, CaseIterable {
  /// CelebA's aligned images: 160 crop 15 px below centre (`Align.celebaCrop`).
  case celebaCrop = "celeba-crop"
  /// Largest centred square (`Align.centreCrop`).
  case centreCrop = "centre-crop"
  /// Five-point landmarks onto the CelebA template (`Align.landmarks`); the landmarks come
  /// from the caller (catalog) or a sidecar beside the image.
  case landmarks
}

/// The per-item imaging work of a training or inference pipeline:
/// load → align (+ jitter, in one resample) → normalised CHW floats.
///
/// Holds no mutable state, so items can run on any thread in any order; with a `Jitter`, an
/// item's augmentation depends only on (seed, item, epoch).
public struct ImagePreprocessor: Sendable {
  public var loader: ImageLoader
  /// Output side in pixels.
  public var size: Int
  public var alignment: AlignmentMode
  /// Augmentation; nil for evaluation and inference.
  public var jitter: Jitter?
  /// Interpolation of the jittered warp (alignment without jitter uses Lanczos resizing, or
  /// bicubic for landmarks).
  public var interpolation: Interpolation
  /// What warps put outside the photo.
  public var border: WarpBorder
  public var normalisation: Normalisation

  public init(
    size: Int, alignment: AlignmentMode = .celebaCrop, jitter: Jitter? = nil,
    loader: ImageLoader = ImageLoader(), interpolation: Interpolation = .bilinear,
    border: WarpBorder = .edge, normalisation: Normalisation = .imageNet
  ) {
    self.border = border
    self.size = size
    self.alignment = alignment
    self.jitter = jitter
    self.loader = loader
    self.interpolation = interpolation
    self.normalisation = normalisation
  }

  /// The aligned, augmented `size × size` image of one item. Errors name the file.
  /// - Parameter landmarks: for `.landmarks` alignment; when nil a sidecar is looked for.
  public func image(from url: URL, item: Int = 0, epoch: Int = 0, landmarks: FaceLandmarks? = nil)
    throws -> VipsImage
  {
    let image = try loader.load(url)
    return try naming(url) {
      try self.image(from: image, url: url, item: item, epoch: epoch, landmarks: landmarks)
    }
  }

  /// Processes one item into a CHW slice of `3 × size × size` floats. With jitter and bilinear
  /// interpolation, alignment, jitter and normalisation run as one fused C pass over the
  /// decoded pixels.
  public func process(
    _ url: URL, item: Int = 0, epoch: Int = 0, landmarks: FaceLandmarks? = nil,
    into slice: UnsafeMutableBufferPointer<Float>
  ) throws {
    guard slice.count == 3 * size * size else {
      throw ImagingError.invalidArgument("image slice holds \(slice.count) floats, need \(3 * size * size)")
    }
    // Fast paths: decode and warp straight into the slice, with no intermediate image.
    if interpolation == .bilinear, jitter != nil, loader.options.decodeEagerly {
      if try processDirectJPEG(url, item: item, epoch: epoch, landmarks: landmarks, into: slice) { return }
      var opened = try loader.open(url, sequential: true)
      if opened.orientation <= 1 {
        let plan = try naming(url) {
          try self.plan(
            width: opened.image.width, height: opened.image.height, url: url, item: item, epoch: epoch,
            landmarks: landmarks)
        }
        if let (transform, draw) = plan {
          if let shrink = Self.decoderShrink(for: transform) {
            let shrunk = try loader.open(url, sequential: true, shrink: shrink)
            if shrunk.shrink > 1 { opened = shrunk }
          }
          if let map = Self.fusedMap(transform, decodedAt: opened.shrink) {
            do {
              try opened.image.decodeAndWarp(
                by: map, into: slice, width: size, height: size, levels: draw.levels,
                border: border, normalisation: normalisation)
            } catch let error as ImagingError {
              throw ImagingError.unreadable(file: url.path, reason: ImageLoader.clean("\(error)", url.path))
            }
            return
          }
        }
      }
    }
    let image = try loader.load(url)
    try naming(url) {
      let aligned = try self.image(from: image, url: url, item: item, epoch: epoch, landmarks: landmarks)
      try ImageBatchBuffer.write(aligned, into: slice, height: size, width: size, normalisation: normalisation)
    }
  }

  /// The plain-JPEG path (`DirectJPEG`): libjpeg-turbo decodes into a row buffer and the fused
  /// warp reads from it. Returns false — having written nothing — whenever the libvips path
  /// must decide instead: not a `.jpg`/`.jpeg`, not a plain JPEG, rotated by EXIF, a
  /// reduction that needs the image path's pre-filter, or any decoding failure (libvips then
  /// reports it in its own words).
  private func processDirectJPEG(
    _ url: URL, item: Int, epoch: Int, landmarks: FaceLandmarks?, into slice: UnsafeMutableBufferPointer<Float>
  ) throws -> Bool {
    let suffix = url.pathExtension.lowercased()
    guard suffix == "jpg" || suffix == "jpeg", let jpeg = DirectJPEG.open(url) else { return false }
    if loader.options.autorotate && jpeg.orientation > 1 { return false }
    try loader.checkPixelLimit(width: jpeg.width, height: jpeg.height, file: url.path)
    let plan = try naming(url) {
      try self.plan(width: jpeg.width, height: jpeg.height, url: url, item: item, epoch: epoch, landmarks: landmarks)
    }
    guard let (transform, draw) = plan else { return false }
    let shrink = Self.decoderShrink(for: transform) ?? 1
    guard let map = Self.fusedMap(transform, decodedAt: shrink) else { return false }
    return jpeg.decodeAndWarp(
      shrink: shrink, failOnTruncation: loader.options.failOnTruncation, by: map, into: slice,
      width: size, height: size, levels: draw.levels, border: border, normalisation: normalisation)
  }

  /// A big reduction is better done by the JPEG decoder itself (DCT-domain scaling is cheaper
  /// and antialiased): the largest shrink that still leaves the warp ≤ 1×, or nil for none.
  static func decoderShrink(for transform: AffineTransform) -> Int? {
    let scale = abs(transform.determinant).squareRoot()
    return [8, 4, 2].first(where: { scale * Double($0) <= 1 })
  }

  /// The map from a JPEG decoded at 1/`shrink` to the output, or nil when the fused pass
  /// cannot take it: it samples bilinearly, and shrinking by more than 2× needs the image
  /// path's antialiasing pre-filter (see `VipsImage.warped`).
  static func fusedMap(_ transform: AffineTransform, decodedAt shrink: Int) -> AffineTransform? {
    let map = shrink > 1 ? decoderShrinkMap(shrink).then(transform) : transform
    return abs(map.determinant).squareRoot() >= 0.5 ? map : nil
  }

  // MARK: - Steps

  /// Maps pixels of a JPEG decoded at 1/k size to original pixels: decoded pixel i covers
  /// original pixels k·i … k·i + k − 1, centred on k·i + (k − 1)/2.
  static func decoderShrinkMap(_ k: Int) -> AffineTransform {
    let f = Double(k)
    return AffineTransform(a: f, b: 0, c: 0, d: f, tx: (f - 1) / 2, ty: (f - 1) / 2)
  }

  private func image(
    from image: VipsImage, url: URL, item: Int, epoch: Int, landmarks: FaceLandmarks?
  ) throws -> VipsImage {
    guard
      let (transform, draw) = try plan(
        width: image.width, height: image.height, url: url, item: item, epoch: epoch, landmarks: landmarks)
    else { return try exactAlignment(image, url: url, landmarks: landmarks) }
    let warped = try image.warped(
      by: transform, width: size, height: size, interpolation: interpolation, border: border)
    if draw.isPhotometricIdentity { return warped }
    return try warped.linear(gain: draw.levels.gain, offset: draw.levels.offset)
  }

  /// Alignment followed by this item's jitter as one transform, or nil without jitter.
  private func plan(
    width: Int, height: Int, url: URL, item: Int, epoch: Int, landmarks: FaceLandmarks?
  ) throws -> (AffineTransform, JitterSample)? {
    guard let jitter else { return nil }
    let alignment: AffineTransform
    switch self.alignment {
    case .celebaCrop:
      try Align.checkCelebaCropFits(width: width, height: height)
      alignment = Align.celebaCropTransform(width: width, height: height, size: size)
    case .centreCrop:
      alignment = Align.centreCropTransform(width: width, height: height, size: size)
    case .landmarks:
      alignment = try Align.landmarkTransform(resolveLandmarks(url, landmarks), size: size)
    }
    let draw = jitter.sample(item: item, epoch: epoch)
    return (alignment.then(draw.transform(width: size, height: size)), draw)
  }

  /// Alignment without jitter: the reference crops (Lanczos) or the landmark warp (bicubic).
  private func exactAlignment(_ image: VipsImage, url: URL, landmarks: FaceLandmarks?) throws -> VipsImage {
    switch alignment {
    case .celebaCrop: return try Align.celebaCrop(image, size: size)
    case .centreCrop: return try Align.centreCrop(image, size: size)
    case .landmarks:
      return try Align.landmarks(image, points: resolveLandmarks(url, landmarks), size: size, border: border)
    }
  }

  private func resolveLandmarks(_ url: URL, _ given: FaceLandmarks?) throws -> FaceLandmarks {
    if let given { return given }
    switch try LandmarkLookup.find(forImage: url) {
    case .success(let found): return found.landmarks
    case .failure(let missing): throw ImagingError.processing(file: url.path, reason: "none given, \(missing.description)")
    }
  }

  /// Runs `body`, turning generic imaging errors into per-item errors naming `url`.
  private func naming<T>(_ url: URL, _ body: () throws -> T) throws -> T {
    do {
      return try body()
    } catch let error as ImagingError {
      switch error {
      case .landmarks, .processing, .unreadable, .tooManyPixels, .unwritable: throw error
      case .vips, .invalidArgument: throw ImagingError.processing(file: url.path, reason: "\(error)")
      }
    }
  }

  /// Processes `urls` into one batch, running up to `parallelism` items at once. Item `i` uses
  /// jitter item number `firstItem + i`. A failed item leaves its slot zero and its error in
  /// `errors[i]`; the other items go on.
  public func batch(
    _ urls: [URL], firstItem: Int = 0, epoch: Int = 0, landmarks: [FaceLandmarks?]? = nil,
    parallelism: Int = 1
  ) throws -> (batch: ImageBatchBuffer, errors: [ImagingError?]) {
    var batch = try ImageBatchBuffer(count: max(1, urls.count), height: size, width: size)
    let errors = try fill(
      &batch, from: urls, firstItem: firstItem, epoch: epoch, landmarks: landmarks,
      parallelism: parallelism)
    return (batch, errors)
  }

  /// As `batch`, reusing `batch`'s storage (its count must equal `urls.count`): training loops
  /// keep one buffer instead of allocating and zeroing a new one per step.
  public func fill(
    _ batch: inout ImageBatchBuffer, from urls: [URL], firstItem: Int = 0, epoch: Int = 0,
    landmarks: [FaceLandmarks?]? = nil, parallelism: Int = 1
  ) throws -> [ImagingError?] {
    if let landmarks, landmarks.count != urls.count {
      throw ImagingError.invalidArgument(
        "batch of \(urls.count) images given \(landmarks.count) landmark entries")
    }
    guard batch.count == urls.count, batch.height == size, batch.width == size else {
      throw ImagingError.invalidArgument(
        "batch buffer \(batch.shape) does not fit \(urls.count) images of \(size)×\(size)")
    }
    let errors = ResultSlots<Void>(count: urls.count)
    let plane = 3 * size * size
    let queue = WorkQueue(count: urls.count)
    batch.data.withUnsafeMutableBufferPointer { all in
      let shared = SharedFloats(base: all.baseAddress)
      let work = { (_: Int) in
        // Items are handed out one at a time, so a worker slowed by another process does not
        // hold the batch up.
        while let index = queue.next() {
          let slice = UnsafeMutableBufferPointer(start: shared.base.map { $0 + index * plane }, count: plane)
          let result = Result {
            try process(
              urls[index], item: firstItem + index, epoch: epoch, landmarks: landmarks?[index],
              into: slice)
          }.mapError(ImagingError.wrap)
          if case .failure = result { slice.update(repeating: 0) }
          errors.set(index, result)
        }
      }
      let workers = max(1, min(parallelism, urls.count))
      if workers == 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
    }
    return errors.values.map { result -> ImagingError? in
      if case .failure(let error) = result { return error }
      return nil
    }
  }
}

/// Hands out indices 0..<count to concurrent workers.
final class WorkQueue: @unchecked Sendable {
  private var nextIndex = 0
  private let count: Int
  private let lock = NSLock()

  init(count: Int) { self.count = count }

  func next() -> Int? {
    lock.lock()
    defer { lock.unlock() }
    guard nextIndex < count else { return nil }
    nextIndex += 1
    return nextIndex - 1
  }
}

/// A float buffer handed to concurrent workers that each write a disjoint slice.
private struct SharedFloats: @unchecked Sendable {
  let base: UnsafeMutablePointer<Float>?
}
