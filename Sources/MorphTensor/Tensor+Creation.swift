extension Tensor {
  /// All elements `value`.
  public static func full(_ shape: [Int], _ value: Float) -> Tensor {
    Tensor(shape: shape, scalars: [Float](repeating: value, count: shape.reduce(1, *)))
  }
  /// All zeros.
  public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
  /// All ones.
  public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }
  /// Zeros shaped like `other`.
  public static func zeros(like other: Tensor) -> Tensor { full(other.shape, 0) }
  /// Ones shaped like `other`.
  public static func ones(like other: Tensor) -> Tensor { full(other.shape, 1) }

  /// 0, 1, …, n−1.
  public static func arange(_ n: Int) -> Tensor { Tensor(shape: [n], scalars: (0..<n).map { Float($0) }) }

  /// Standard normal samples scaled by `std` around `mean`.
  public static func randn(_ shape: [Int], mean: Float = 0, std: Float = 1, rng: inout RandomGenerator) -> Tensor {
    let n = shape.reduce(1, *)
    var data = [Float](repeating: 0, count: n)
    for i in 0..<n { data[i] = mean + std * rng.nextNormal() }
    return Tensor(shape: shape, scalars: data)
  }

  /// Uniform samples in `[low, high)`.
  public static func rand(_ shape: [Int], low: Float = 0, high: Float = 1, rng: inout RandomGenerator) -> Tensor {
    let n = shape.reduce(1, *)
    var data = [Float](repeating: 0, count: n)
    for i in 0..<n { data[i] = low + (high - low) * rng.nextUniform() }
    return Tensor(shape: shape, scalars: data)
  }

  /// Uniform integers in `low..<high`, stored as floats (e.g. binary attribute targets).
  public static func randint(_ shape: [Int], low: Int = 0, high: Int, rng: inout RandomGenerator) -> Tensor {
    precondition(high > low, "randint: empty range \(low)..<\(high)")
    let n = shape.reduce(1, *)
    let span = UInt64(high - low)
    var data = [Float](repeating: 0, count: n)
    for i in 0..<n { data[i] = Float(low + Int(rng.next() % span)) }
    return Tensor(shape: shape, scalars: data)
  }

  /// This tensor marked as a leaf that receives gradients.
  @discardableResult
  public func requiringGrad() -> Tensor {
    requiresGrad = true
    return self
  }
}
