/// A dense, contiguous, row-major array of `Float` that can record how it was computed.
///
/// Layout: the last axis varies fastest. Images are NCHW (batch, channel, row, column), the
/// layout PyTorch checkpoints use, so weights load without transposition and one image's
/// channel plane is a contiguous `h·w` run that im2col and pooling kernels walk linearly.
/// Every op writes a fresh contiguous buffer: there are no strided views, so kernels never
/// check strides. Storage is a copy-on-write `[Float]`, so `reshape` and `detached()` share it.
///
/// Tensors are reference types because the autodiff tape holds on to the inputs of each
/// recorded op; values themselves are immutable except through the optimiser entry points.
public final class Tensor {
  /// Size of each axis; `[]` is a scalar.
  public let shape: [Int]
  /// The elements in row-major order.
  public internal(set) var scalars: [Float]
  /// Whether gradients flow to this tensor. Set it on leaves (parameters, inputs of `grad`).
  public var requiresGrad: Bool
  /// The op that produced this tensor, when it was recorded on the tape.
  var node: Node?
  /// Set when `backward()` ran through this tensor's op and released it (and with it the
  /// inputs it kept alive): a second pass through the same graph is then an error, not a
  /// silently wrong gradient.
  var graphReleased = false
  /// The gradient accumulated by `backward()` for leaves that require it.
  public var grad: Tensor?

  /// Wraps `scalars` with `shape`; the counts must agree.
  public init(shape: [Int], scalars: [Float], requiresGrad: Bool = false) {
    precondition(shape.allSatisfy { $0 >= 0 }, "negative size in shape \(shape)")
    precondition(
      shape.reduce(1, *) == scalars.count,
      "shape \(shape) needs \(shape.reduce(1, *)) scalars, got \(scalars.count)")
    self.shape = shape
    self.scalars = scalars
    self.requiresGrad = requiresGrad
  }

  /// Wraps `scalars`, checking the count, for data that comes from a user or a file.
  public static func checked(shape: [Int], scalars: [Float]) throws -> Tensor {
    guard shape.allSatisfy({ $0 >= 0 }), shape.reduce(1, *) == scalars.count else {
      throw TensorError.shapeMismatch(
        operation: "Tensor(shape:scalars:)", lhs: shape, rhs: [scalars.count])
    }
    return Tensor(shape: shape, scalars: scalars)
  }

  /// A scalar tensor.
  public convenience init(_ value: Float) { self.init(shape: [], scalars: [value]) }

  /// Number of elements.
  public var count: Int { scalars.count }
  /// Number of axes.
  public var rank: Int { shape.count }
  /// The single element of a one-element tensor.
  public var item: Float {
    precondition(scalars.count == 1, "item needs one element, shape is \(shape)")
    return scalars[0]
  }

  /// The same values with no tape history: gradients stop here.
  public func detached() -> Tensor { Tensor(shape: shape, scalars: scalars) }

  /// Replaces the values in place (optimisers, checkpoint loading). Drops tape history.
  public func assign(_ other: Tensor) {
    precondition(other.shape == shape, "assign: shape \(other.shape) into \(shape)")
    scalars = other.scalars
    node = nil
  }

  /// Mutable access to the storage for in-place updates by optimisers and loaders.
  public func withMutableScalars<R>(_ body: (UnsafeMutableBufferPointer<Float>) throws -> R) rethrows -> R {
    try scalars.withUnsafeMutableBufferPointer { try body($0) }
  }
}

extension Tensor: CustomStringConvertible {
  public var description: String {
    let head = scalars.prefix(8).map { String($0) }.joined(separator: ", ")
    return "Tensor(shape: \(shape), [\(head)\(scalars.count > 8 ? ", …" : "")])"
  }
}
