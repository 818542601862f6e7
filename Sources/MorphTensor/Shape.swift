/// Shape arithmetic shared by the ops.
enum ShapeMath {
  /// Row-major strides of a contiguous shape.
  static func strides(_ shape: [Int]) -> [Int] {
    var s = [Int](repeating: 1, count: shape.count)
    var acc = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
      s[d] = acc
      acc *= shape[d]
    }
    return s
  }

  /// NumPy broadcasting: align trailing axes; sizes must match or be 1.
  static func broadcast(_ a: [Int], _ b: [Int]) -> [Int]? {
    let rank = max(a.count, b.count)
    var out = [Int](repeating: 1, count: rank)
    for i in 0..<rank {
      let da = i < rank - a.count ? 1 : a[i - (rank - a.count)]
      let db = i < rank - b.count ? 1 : b[i - (rank - b.count)]
      if da == db || db == 1 { out[i] = da } else if da == 1 { out[i] = db } else { return nil }
    }
    return out
  }

  /// Strides that read a contiguous tensor of `shape` as if it had `target` (0 where broadcast).
  static func broadcastStrides(_ shape: [Int], to target: [Int]) -> [Int64] {
    let own = strides(shape)
    let offset = target.count - shape.count
    return (0..<target.count).map { i in
      i < offset || shape[i - offset] == 1 ? 0 : Int64(own[i - offset])
    }
  }

  /// Normalises a possibly negative axis.
  static func axis(_ a: Int, rank: Int) -> Int {
    let r = a < 0 ? a + rank : a
    precondition(r >= 0 && r < max(rank, 1), "axis \(a) out of range for rank \(rank)")
    return r
  }
}
