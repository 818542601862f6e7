import CMorphKernels

// MARK: - Binary, broadcasting

extension Tensor {
  fileprivate static func binary(_ a: Tensor, _ b: Tensor, _ kind: morph_binary_op, _ op: Op) -> Tensor {
    guard let shape = ShapeMath.broadcast(a.shape, b.shape) else {
      preconditionFailure("\(op): shapes \(a.shape) and \(b.shape) do not broadcast")
    }
    precondition(shape.count <= Int(MORPH_MAX_RANK), "rank \(shape.count) too large")
    let n = shape.reduce(1, *)
    let data: [Float]
    let sa = ShapeMath.broadcastStrides(a.shape, to: shape)
    let sb = ShapeMath.broadcastStrides(b.shape, to: shape)
    let dims = shape.map { Int64($0) }
    data = makeScalars(n) { out in
      a.scalars.withUnsafeBufferPointer { pa in
        b.scalars.withUnsafeBufferPointer { pb in
          guard let pa = pa.baseAddress, let pb = pb.baseAddress else { return }
          if a.shape == b.shape {
            Parallel.forRanges(n, work: n) { r in
              morph_binary(
                Int32(kind.rawValue), pa + r.lowerBound, [1], pb + r.lowerBound, [1], out + r.lowerBound,
                [Int64(r.count)], 1)
            }
          } else if shape.count > 1 {
            // Parts along the leading axis, each a smaller broadcast of the same pattern.
            let inner = n / Swift.max(shape[0], 1)
            Parallel.forRanges(shape[0], work: n) { r in
              var d = dims
              d[0] = Int64(r.count)
              morph_binary(
                Int32(kind.rawValue), pa + Int(sa[0]) * r.lowerBound, sa, pb + Int(sb[0]) * r.lowerBound, sb,
                out + inner * r.lowerBound, d, Int32(shape.count))
            }
          } else {
            morph_binary(Int32(kind.rawValue), pa, sa, pb, sb, out, dims, Int32(shape.count))
          }
        }
      }
    }
    return record(op, [a, b], shape: shape, scalars: data)
  }

  /// Elementwise sum with broadcasting.
  public static func + (a: Tensor, b: Tensor) -> Tensor { binary(a, b, MORPH_ADD, .add) }
  /// Elementwise difference with broadcasting.
  public static func - (a: Tensor, b: Tensor) -> Tensor { binary(a, b, MORPH_SUB, .sub) }
  /// Elementwise product with broadcasting.
  public static func * (a: Tensor, b: Tensor) -> Tensor { binary(a, b, MORPH_MUL, .mul) }
  /// Elementwise quotient with broadcasting.
  public static func / (a: Tensor, b: Tensor) -> Tensor { binary(a, b, MORPH_DIV, .div) }

  public static func + (a: Tensor, s: Float) -> Tensor { a.unary(MORPH_ADD_SCALAR, s, .addScalar(s)) }
  public static func + (s: Float, a: Tensor) -> Tensor { a + s }
  public static func - (a: Tensor, s: Float) -> Tensor { a + (-s) }
  public static func - (s: Float, a: Tensor) -> Tensor { (-a) + s }
  public static func * (a: Tensor, s: Float) -> Tensor { a.unary(MORPH_SCALE, s, .scale(s)) }
  public static func * (s: Float, a: Tensor) -> Tensor { a * s }
  public static func / (a: Tensor, s: Float) -> Tensor { a * (1 / s) }
  public static func / (s: Float, a: Tensor) -> Tensor { Tensor(s) / a }
  public static prefix func - (a: Tensor) -> Tensor { a.unary(MORPH_NEG, 0, .neg) }
}

// MARK: - Unary

extension Tensor {
  fileprivate func unary(_ kind: morph_unary_op, _ p: Float, _ op: @autoclosure () -> Op) -> Tensor {
    let data = applyUnary(kind, p)
    return Tensor.record(op(), [self], shape: shape, scalars: data)
  }

  fileprivate func applyUnary(_ kind: morph_unary_op, _ p: Float) -> [Float] {
    makeScalars(count) { out in
      scalars.withUnsafeBufferPointer { px in
        guard let px = px.baseAddress else { return }
        Parallel.forRanges(count, work: count) { r in
          morph_unary(Int32(kind.rawValue), px + r.lowerBound, out + r.lowerBound, r.count, p)
        }
      }
    }
  }

  /// This gradient where `input` > 0, `slope` times it elsewhere: the ReLU (slope 0) or leaky
  /// ReLU backward in one pass. Not recorded (backward passes without `createGraph`).
  func reluBackward(input: Tensor, slope: Float) -> Tensor {
    precondition(input.shape == shape, "reluBackward: \(shape) and \(input.shape)")
    let data = makeScalars(count) { out in
      scalars.withUnsafeBufferPointer { pg in
        input.scalars.withUnsafeBufferPointer { px in
          guard let pg = pg.baseAddress, let px = px.baseAddress else { return }
          Parallel.forRanges(count, work: count) { r in
            morph_relu_backward(pg + r.lowerBound, px + r.lowerBound, out + r.lowerBound, r.count, slope)
          }
        }
      }
    }
    return Tensor(shape: shape, scalars: data)
  }

  public func exp() -> Tensor { unary(MORPH_EXP, 0, .exp) }
  public func log() -> Tensor { unary(MORPH_LOG, 0, .log) }
  public func sqrt() -> Tensor { unary(MORPH_SQRT, 0, .sqrt) }
  public func abs() -> Tensor { unary(MORPH_ABS, 0, .abs) }
  public func relu() -> Tensor { unary(MORPH_RELU, 0, .relu) }
  /// `x` where positive, `slope·x` elsewhere.
  public func leakyRelu(_ slope: Float = 0.01) -> Tensor {
    unary(MORPH_LEAKY_RELU, slope, .leakyRelu(slope: slope))
  }
  public func tanh() -> Tensor { unary(MORPH_TANH, 0, .tanh) }
  /// Logistic sigmoid, stable for large |x|.
  public func sigmoid() -> Tensor { unary(MORPH_SIGMOID, 0, .sigmoid) }
  /// `x·x`.
  public func square() -> Tensor { self * self }

  // Constants (never recorded): masks used by backward rules, whose own derivative is zero.

  /// 1 where `x > 0`, else 0. Not differentiated.
  public func positiveMask() -> Tensor { Tensor(shape: shape, scalars: applyUnary(MORPH_STEP, 0)) }
  /// 1 where `x > 0`, else `slope`. Not differentiated.
  func leakySlopeMask(_ slope: Float) -> Tensor {
    Tensor(shape: shape, scalars: applyUnary(MORPH_LEAKY_SLOPE, slope))
  }
  /// −1, 0 or 1 by the sign of `x`. Not differentiated.
  public func sign() -> Tensor { Tensor(shape: shape, scalars: applyUnary(MORPH_SIGN, 0)) }
}

/// Functional spellings used by model code.
public func relu(_ x: Tensor) -> Tensor { x.relu() }
public func leakyRelu(_ x: Tensor, slope: Float = 0.01) -> Tensor { x.leakyRelu(slope) }
public func tanh(_ x: Tensor) -> Tensor { x.tanh() }
public func sigmoid(_ x: Tensor) -> Tensor { x.sigmoid() }
