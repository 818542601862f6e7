import MorphTensor

/// The processes (ranks) of a data-parallel training job, as a trainer needs them: who it is,
/// how many there are, and two collective operations over float buffers. `MPIGroup` (module
/// MorphDistributed) is the implementation over Open MPI; tests count calls with their own.
///
/// Every rank must make the same calls in the same order with buffers of the same length:
/// a collective that one rank skips leaves the others waiting.
public protocol DataParallelGroup: AnyObject {
  /// This process's number, 0..<size; rank 0 writes the checkpoints.
  var rank: Int { get }
  /// The number of ranks.
  var size: Int { get }
  /// Replaces each value by its sum over all ranks, in place (an all-reduce).
  func allReduceSum(_ values: inout [Float]) throws
  /// Replaces `values` by rank `root`'s, on every rank (a broadcast).
  func broadcast(_ values: inout [Float], from root: Int) throws
}

/// Combining what the parts of a data-parallel step computed: gradients, buffers, values.
///
/// A step's batch is cut into `parts` equal micro-batches over all ranks; each part's loss is
/// the mean over its own faces, so the step's gradient is the mean of the parts' gradients.
/// On one rank the parts' gradients are summed by `backward()` itself (it adds into `grad`);
/// over ranks they are summed by one all-reduce; then scaled by 1/parts. Sum-then-scale in
/// that order makes one rank with two micro-batches and two ranks with one each compute the
/// same floats (IEEE addition of two values is commutative, and ×0.5 is exact).
public enum DataParallel {
  /// Averages the gradients of `tensors` over `parts` micro-batches, of which this rank's
  /// are already summed into each `grad`, with ONE fused all-reduce over `group` (when it has
  /// more than one rank) rather than one call per tensor.
  ///
  /// A tensor no part reached keeps `grad == nil`, so the optimiser skips it as it would on
  /// one process (Adam moves a parameter with a zero gradient through its moments); one that
  /// some part reached gets the sum over those parts, divided by `parts`. The fused buffer
  /// carries one flag per tensor for that, after the gradients.
  public static func averageGradients(of tensors: [Tensor], parts: Int, group: (any DataParallelGroup)?) throws {
    let scale = 1 / Float(max(1, parts))
    guard let group, group.size > 1 else {
      guard parts > 1 else { return }
      for t in tensors {
        if let g = t.grad { t.grad = Tensor(shape: g.shape, scalars: g.scalars.map { $0 * scale }) }
      }
      return
    }
    let total = tensors.reduce(0) { $0 + $1.count }
    var fused = [Float](repeating: 0, count: total + tensors.count)
    var offset = 0
    for (i, t) in tensors.enumerated() {
      if let g = t.grad {
        fused.withUnsafeMutableBufferPointer { buffer in
          g.scalars.withUnsafeBufferPointer { source in
            guard let from = source.baseAddress, let to = buffer.baseAddress else { return }
            (to + offset).update(from: from, count: g.count)
          }
        }
        fused[total + i] = 1
      }
      offset += t.count
    }
    try group.allReduceSum(&fused)
    offset = 0
    for (i, t) in tensors.enumerated() {
      defer { offset += t.count }
      guard fused[total + i] > 0 else {
        t.grad = nil
        continue
      }
      t.grad = Tensor(shape: t.shape, scalars: fused[offset..<offset + t.count].map { $0 * scale })
    }
  }

  /// The concatenated values of `tensors`, summed over `group`'s ranks (one all-reduce, none
  /// without a group of more than one rank) and scaled by `scale`; `extra` rides along at the
  /// end of the same buffer. Used for batch-norm running statistics and loss values.
  public static func sumValues(_ tensors: [Tensor], extra: [Float] = [], scale: Float, group: (any DataParallelGroup)?) throws -> (
    tensors: [Tensor], extra: [Float]
  ) {
    var fused = tensors.flatMap(\.scalars) + extra
    if let group, group.size > 1 { try group.allReduceSum(&fused) }
    if scale != 1 { fused = fused.map { $0 * scale } }
    var offset = 0
    let summed = tensors.map { t -> Tensor in
      defer { offset += t.count }
      return Tensor(shape: t.shape, scalars: Array(fused[offset..<offset + t.count]))
    }
    return (summed, Array(fused[offset...]))
  }

  /// Makes every rank's `tensors` equal to rank 0's, in one broadcast: the replicas start
  /// from the same weights even when they were loaded from different copies of a checkpoint.
  public static func broadcastFromFirstRank(_ tensors: [Tensor], group: any DataParallelGroup) throws {
    guard group.size > 1 else { return }
    var fused = tensors.flatMap(\.scalars)
    try group.broadcast(&fused, from: 0)
    var offset = 0
    for t in tensors {
      t.assign(Tensor(shape: t.shape, scalars: Array(fused[offset..<offset + t.count])))
      offset += t.count
    }
  }
}
