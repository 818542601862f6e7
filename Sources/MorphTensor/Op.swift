import CMorphKernels

/// Every differentiable primitive of the engine. Composite operations (losses, norms,
/// softmax-like expressions) are built from these, so their derivatives come for free.
///
/// The backward rules live in one exhaustive `switch` (`Op+Backward.swift`): adding a case
/// without a rule does not compile. Rules are written with public `Tensor` ops, so under
/// `createGraph: true` the backward pass is itself recorded and can be differentiated again.
enum Op {
  // Elementwise, broadcasting (two inputs).
  case add, sub, mul, div
  // Elementwise, one input.
  case neg, exp, log, sqrt, abs, relu, tanh, sigmoid
  case leakyRelu(slope: Float)
  case scale(Float)
  case addScalar(Float)
  // Shape.
  case broadcast(to: [Int])
  case sum(axes: [Int], keepDims: Bool)
  case reshape(to: [Int])
  case permute([Int])
  case concat(axis: Int)
  case narrow(axis: Int, start: Int, length: Int)
  case pad(axis: Int, start: Int, total: Int)
  case indexSelect(indices: [Int])
  case indexAdd(indices: [Int], count: Int)
  case gather(indices: [Int64])
  case scatterAdd(indices: [Int64], count: Int)
  // Linear algebra and convolution.
  case matmul(transposeA: Bool, transposeB: Bool)
  case conv2d(ConvGeometry)
  /// conv2d plus a per-channel bias (inputs x, weight, bias) as one op: one output tensor on
  /// the tape instead of two, and no separate pass for the bias.
  case conv2dBias(ConvGeometry)
  case convTranspose2d(ConvGeometry)
  case conv2dWeight(ConvGeometry)
  // Normalisation with affine (inputs x, weight, bias), statistics of x saved for backward.
  case channelNorm(perImage: Bool, eps: Float, mean: [Float], variance: [Float])
  // Resampling.
  case upsampleNearest(factor: Int)
  case sumPool(factor: Int)
  case bilinearUp2
  case bilinearUp2Adjoint
  /// The four phase planes of a sub-pixel convolution interleaved into one image of twice the
  /// size (see `upsampleConv3x3`), and its adjoint.
  case subpixelInterleave(cout: Int)
  case subpixelDeinterleave(cout: Int)
}

/// One recorded application of an `Op`: what produced a tensor, from which inputs.
final class Node {
  let op: Op
  let inputs: [Tensor]
  init(op: Op, inputs: [Tensor]) {
    self.op = op
    self.inputs = inputs
  }
}

/// The spatial arrangement of a 2-D convolution, shared by the three convolution ops.
public struct ConvGeometry: Equatable, Sendable {
  public var stride: Int
  public var padding: Int
  /// Kernel height and width.
  public var kernel: (h: Int, w: Int)
  /// Input (not output) height and width: stride > 1 makes it ambiguous from the output.
  public var input: (h: Int, w: Int)
  /// Distance between kernel taps (PyTorch's `dilation`): a 3×3 kernel with dilation d
  /// spans 2d + 1 pixels.
  public var dilation: Int = 1

  public var outputHeight: Int { (input.h + 2 * padding - dilation * (kernel.h - 1) - 1) / stride + 1 }
  public var outputWidth: Int { (input.w + 2 * padding - dilation * (kernel.w - 1) - 1) / stride + 1 }

  public static func == (a: ConvGeometry, b: ConvGeometry) -> Bool {
    a.stride == b.stride && a.padding == b.padding && a.kernel == b.kernel && a.input == b.input
      && a.dilation == b.dilation
  }
}

extension Tensor {
  /// Builds an op's result and records it on the tape when grad mode is on and any input
  /// requires a gradient. No-grad mode keeps no reference to the inputs.
  static func record(_ op: @autoclosure () -> Op, _ inputs: [Tensor], shape: [Int], scalars: [Float])
    -> Tensor
  {
    let out = Tensor(shape: shape, scalars: scalars)
    if GradMode.isEnabled && inputs.contains(where: { $0.requiresGrad }) {
      out.node = Node(op: op(), inputs: inputs)
      out.requiresGrad = true
    }
    return out
  }
}

/// Allocates `count` floats and lets `body` fill them all.
@inline(__always)
func makeScalars(_ count: Int, _ body: (UnsafeMutablePointer<Float>) -> Void) -> [Float] {
  [Float](unsafeUninitializedCapacity: count) { buf, n in
    if count > 0, let base = buf.baseAddress { body(base) }
    n = count
  }
}
