import CVips
import Foundation

/// Per-channel normalisation x = (v/255 − mean) / std of 8-bit levels v.
public struct Normalisation: Equatable, Sendable {
  public var mean: [Float]
  public var std: [Float]

  /// Throws unless there are three positive, finite standard deviations and three means.
  public init(mean: [Float], std: [Float]) throws {
    guard mean.count == 3, std.count == 3, std.allSatisfy({ $0 > 0 && $0.isFinite }),
      mean.allSatisfy(\.isFinite)
    else {
      throw ImagingError.invalidArgument(
        "normalisation needs 3 means and 3 positive standard deviations, got \(mean) and \(std)")
    }
    self.mean = mean
    self.std = std
  }

  private init(unchecked mean: [Float], _ std: [Float]) {
    self.mean = mean
    self.std = std
  }

  /// torchvision's ImageNet statistics (the VGG teacher expects them).
  public static let imageNet = Normalisation(unchecked: [0.485, 0.456, 0.406], [0.229, 0.224, 0.225])
  /// Levels mapped to −1…1 (mean 0.5, std 0.5), as GAN decoders with tanh output use.
  public static let symmetric = Normalisation(unchecked: [0.5, 0.5, 0.5], [0.5, 0.5, 0.5])
  /// Levels mapped to 0…1.
  public static let unit = Normalisation(unchecked: [0, 0, 0], [1, 1, 1])

  /// x = v·scale + offset per channel.
  var scaleAndOffset: (scale: [Float], offset: [Float]) {
    (std.map { 1 / (255 * $0) }, zip(mean, std).map { -$0 / $1 })
  }
}

/// A batch of images as a plain NCHW Float32 buffer (the model layer wraps it as a tensor).
public struct ImageBatchBuffer: Equatable, Sendable {
  /// [count, channels, height, width].
  public let shape: [Int]
  /// Row-major NCHW values.
  public var data: [Float]

  /// Wraps existing values; throws when `data` does not have the shape's element count.
  public init(shape: [Int], data: [Float]) throws {
    guard shape.count == 4, shape.allSatisfy({ $0 > 0 }), shape[1] == 3,
      data.count == shape.reduce(1, *)
    else {
      throw ImagingError.invalidArgument(
        "image batch shape \(shape) (want [N, 3, H, W]) does not fit \(data.count) values")
    }
    self.shape = shape
    self.data = data
  }

  /// Zero-filled batch of `count` images of `height × width`.
  public init(count: Int, height: Int, width: Int) throws {
    try self.init(
      shape: [count, 3, height, width],
      data: [Float](repeating: 0, count: max(0, count * 3 * height * width)))
  }

  /// Normalises same-sized images into one batch.
  public init(images: [VipsImage], normalisation: Normalisation = .imageNet) throws {
    guard let first = images.first else {
      throw ImagingError.invalidArgument("an image batch needs at least one image")
    }
    try self.init(count: images.count, height: first.height, width: first.width)
    for (index, image) in images.enumerated() { try write(image, at: index, normalisation: normalisation) }
  }

  public var count: Int { shape[0] }
  public var height: Int { shape[2] }
  public var width: Int { shape[3] }

  /// Normalises `image` (3 bands, this batch's size) into slot `index`.
  public mutating func write(_ image: VipsImage, at index: Int, normalisation: Normalisation = .imageNet)
    throws
  {
    guard (0..<count).contains(index) else {
      throw ImagingError.invalidArgument("image batch index \(index) is outside 0..<\(count)")
    }
    let plane = 3 * height * width
    let (h, w) = (height, width)
    try data.withUnsafeMutableBufferPointer { all in
      try Self.write(
        image, into: UnsafeMutableBufferPointer(rebasing: all[(index * plane)..<((index + 1) * plane)]),
        height: h, width: w, normalisation: normalisation)
    }
  }

  /// Normalises `image` into a CHW slice of `3 × height × width` floats — for callers that fill
  /// one batch from several threads, each its own slice.
  public static func write(
    _ image: VipsImage, into slice: UnsafeMutableBufferPointer<Float>, height: Int, width: Int,
    normalisation: Normalisation = .imageNet
  ) throws {
    guard image.width == width, image.height == height, image.bands == 3, image.isEightBit else {
      throw ImagingError.invalidArgument(
        "image of \(image.width)×\(image.height)×\(image.bands) does not fit a batch of "
          + "\(width)×\(height)×3 8-bit images")
    }
    guard slice.count == 3 * height * width, let base = slice.baseAddress else {
      throw ImagingError.invalidArgument("image slice holds \(slice.count) floats, need \(3 * height * width)")
    }
    let pixels = try image.pixels()
    let (scale, offset) = normalisation.scaleAndOffset
    pixels.withUnsafeBufferPointer { src in
      cvips_u8_hwc_to_chw(src.baseAddress, Int32(height), Int32(width), 3, scale, offset, base)
    }
  }

  /// Image `index` turned back into 8-bit levels (inverse normalisation, rounded, clamped).
  public func image(at index: Int, normalisation: Normalisation = .imageNet) throws -> VipsImage {
    guard (0..<count).contains(index) else {
      throw ImagingError.invalidArgument("image batch index \(index) is outside 0..<\(count)")
    }
    let plane = 3 * height * width
    var pixels = [UInt8](repeating: 0, count: plane)
    let (scale, offset) = normalisation.scaleAndOffset
    data.withUnsafeBufferPointer { all in
      pixels.withUnsafeMutableBufferPointer { out in
        cvips_chw_to_u8_hwc(
          all.baseAddress.map { $0 + index * plane }, Int32(height), Int32(width), 3, scale, offset,
          out.baseAddress)
      }
    }
    return try VipsImage(pixels: pixels, width: width, height: height)
  }

  /// All images turned back into 8-bit levels.
  public func images(normalisation: Normalisation = .imageNet) throws -> [VipsImage] {
    try (0..<count).map { try image(at: $0, normalisation: normalisation) }
  }
}
