import Foundation

/// An RGB image with float components in [0, 1], interleaved and row-major: the currency of
/// the evaluation harness (methods take and return these).
public struct EvalImage: Equatable, Sendable {
  public var width: Int
  public var height: Int
  public var pixels: [Float]

  public init(width: Int, height: Int, pixels: [Float]) {
    precondition(pixels.count == width * height * 3, "EvalImage: pixel count does not match size")
    self.width = width
    self.height = height
    self.pixels = pixels
  }

  /// From 8-bit interleaved RGB.
  public init(width: Int, height: Int, bytes: [UInt8]) {
    self.init(width: width, height: height, pixels: bytes.map { Float($0) / 255 })
  }

  /// From a rendered synthetic face.
  public init(_ face: ToyFaceImage) { self.init(width: face.width, height: face.height, bytes: face.pixels) }

  /// 8-bit interleaved RGB, rounded and clamped.
  public var bytes: [UInt8] { pixels.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) } }
}
