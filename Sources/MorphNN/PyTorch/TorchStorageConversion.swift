import Foundation
import MorphTensor

/// Turns a strided view of a storage's raw little-endian bytes into a contiguous Float32
/// tensor: one pass over the view, reading each element in place from the mapped file (no
/// intermediate copy of the storage) with a tight loop per dtype.
enum TorchStorageConversion {
  /// Checks that the view `ref` stays inside its storage (`storageCount` elements), before
  /// anything is allocated, and returns its element count. `name` is the tensor's name.
  static func check(_ ref: TensorRef, name: String, storageCount: Int, file: String) throws -> Int {
    func bad(_ reason: String) -> TorchCheckpointError { .badTensor(file: file, key: name, reason: reason) }
    var count = 1
    for size in ref.sizes {
      let (product, overflow) = count.multipliedReportingOverflow(by: size)
      guard !overflow else { throw bad("size \(ref.sizes) overflows") }
      count = product
    }
    guard count > 0 else { return 0 }
    // The last element a view touches: offset + Σ (size_i − 1)·stride_i.
    var last = ref.offset
    for (size, stride) in zip(ref.sizes, ref.strides) {
      let (step, o1) = (size - 1).multipliedReportingOverflow(by: stride)
      let (sum, o2) = last.addingReportingOverflow(step)
      guard !o1, !o2 else { throw bad("size \(ref.sizes) with stride \(ref.strides) overflows") }
      last = sum
    }
    guard last < storageCount else {
      throw bad(
        "a view of size \(ref.sizes), stride \(ref.strides) from offset \(ref.offset) reaches element \(last) "
          + "but its storage '\(ref.storage.key)' has \(storageCount) elements: the file is corrupt or hostile")
    }
    return count
  }

  /// The view `ref` of `storage` (the bytes of its `viewCount` elements) as Float32. `count`
  /// comes from `check`.
  static func tensor(_ ref: TensorRef, count: Int, storage: UnsafeRawBufferPointer) -> Tensor {
    let scalars = [Float](unsafeUninitializedCapacity: count) { out, initialized in
      if count > 0, let base = storage.baseAddress, let dst = out.baseAddress {
        switch ref.storage.dtype {
        case .float32: gather(ref, base, dst) { (p: UnsafeRawPointer) in Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(as: UInt32.self))) }
        case .float16:
          gather(ref, base, dst) { (p: UnsafeRawPointer) in Float(Float16(bitPattern: UInt16(littleEndian: p.loadUnaligned(as: UInt16.self)))) }
        case .bfloat16:
          gather(ref, base, dst) { (p: UnsafeRawPointer) in Float(bitPattern: UInt32(UInt16(littleEndian: p.loadUnaligned(as: UInt16.self))) << 16) }
        case .float64:
          gather(ref, base, dst) { (p: UnsafeRawPointer) in Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(as: UInt64.self)))) }
        case .int64: gather(ref, base, dst) { (p: UnsafeRawPointer) in Float(Int64(littleEndian: p.loadUnaligned(as: Int64.self))) }
        case .int32: gather(ref, base, dst) { (p: UnsafeRawPointer) in Float(Int32(littleEndian: p.loadUnaligned(as: Int32.self))) }
        case .int16: gather(ref, base, dst) { (p: UnsafeRawPointer) in Float(Int16(littleEndian: p.loadUnaligned(as: Int16.self))) }
        case .int8: gather(ref, base, dst) { (p: UnsafeRawPointer) in Float(p.load(as: Int8.self)) }
        case .uint8: gather(ref, base, dst) { (p: UnsafeRawPointer) in Float(p.load(as: UInt8.self)) }
        case .bool: gather(ref, base, dst) { (p: UnsafeRawPointer) in p.load(as: UInt8.self) != 0 ? 1 : 0 }
        }
      }
      initialized = count
    }
    return Tensor(shape: ref.sizes, scalars: scalars)
  }

  /// Walks the view in row-major order: an odometer over every axis but the last, and an inner
  /// loop along the last axis. A contiguous view is one run.
  @inline(__always)
  private static func gather(
    _ ref: TensorRef, _ base: UnsafeRawPointer, _ out: UnsafeMutablePointer<Float>, _ load: (UnsafeRawPointer) -> Float
  ) {
    let width = ref.storage.dtype.elementSize
    let rank = ref.sizes.count
    var contiguous = true
    var expected = 1
    for axis in stride(from: rank - 1, through: 0, by: -1) {
      if ref.sizes[axis] != 1, ref.strides[axis] != expected { contiguous = false }
      expected *= ref.sizes[axis]
    }
    if rank == 0 || contiguous {
      if ref.storage.dtype == .float32, 1.littleEndian == 1 {
        // Same bits on a little-endian host: one copy.
        memcpy(out, base + ref.offset * 4, expected * 4)
        return
      }
      let n = rank == 0 ? 1 : expected
      var p = base + ref.offset * width
      for i in 0..<n {
        out[i] = load(p)
        p += width
      }
      return
    }
    let innerCount = ref.sizes[rank - 1]
    let innerStep = ref.strides[rank - 1] * width
    var index = [Int](repeating: 0, count: rank - 1)
    var offset = ref.offset * width
    var written = 0
    let total = expected
    while written < total {
      var p = base + offset
      for i in 0..<innerCount {
        out[written + i] = load(p)
        p += innerStep
      }
      written += innerCount
      // Advance the odometer over the outer axes.
      var axis = rank - 2
      while axis >= 0 {
        index[axis] += 1
        offset += ref.strides[axis] * width
        if index[axis] < ref.sizes[axis] { break }
        offset -= ref.strides[axis] * width * ref.sizes[axis]
        index[axis] = 0
        axis -= 1
      }
    }
  }
}
