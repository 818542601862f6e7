import Foundation

#if canImport(Glibc)
  import Glibc
#elseif canImport(Darwin)
  import Darwin
#endif

/// Throughput of the training imaging path — load JPEG → CelebA crop + jitter in one warp →
/// normalised CHW floats — the same work as `shared/bench/pillow_anchor.py`.
public struct ImagingBenchmark: Sendable {
  /// Result of one run.
  public struct Report: Sendable, Equatable {
    public var images: Int
    public var failed: Int
    public var seconds: Double
    public var imagesPerSecond: Double
    public var peakResidentMegabytes: Int
    /// Sum of every item's first value, so the work cannot be skipped and runs can be compared.
    public var checksum: Double

    /// One JSON object, as `make bench` collects them.
    public var json: String {
      let fields: [(String, String)] = [
        ("workload", "\"imaging\""), ("framework", "\"morph (libvips)\""), ("images", "\(images)"),
        ("failed", "\(failed)"), ("seconds", String(format: "%.3f", seconds)),
        ("images_per_s", String(format: "%.1f", imagesPerSecond)),
        ("peak_rss_mb", "\(peakResidentMegabytes)"),
      ]
      return "{" + fields.map { "\"\($0.0)\": \($0.1)" }.joined(separator: ", ") + "}"
    }
  }

  public var size: Int
  /// Items processed at once (each with one libvips thread).
  public var workers: Int
  /// Images per batch buffer.
  public var batchSize: Int
  public var seed: UInt64

  public init(size: Int = 128, workers: Int = 2, batchSize: Int = 64, seed: UInt64 = 0) {
    self.size = size
    self.workers = workers
    self.batchSize = batchSize
    self.seed = seed
  }

  /// The `.jpg`/`.jpeg` files of a folder, sorted by name.
  public static func images(in directory: URL) throws -> [URL] {
    let names: [String]
    do {
      names = try FileManager.default.contentsOfDirectory(atPath: directory.path)
    } catch {
      throw ImagingError.unreadable(file: directory.path, reason: "cannot list the folder")
    }
    return names.filter { ["jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }
      .sorted().map { directory.appendingPathComponent($0) }
  }

  /// Runs over `files` once and reports images/s and peak memory.
  public func run(_ files: [URL]) throws -> Report {
    guard !files.isEmpty else { throw ImagingError.invalidArgument("no images to benchmark") }
    guard workers > 0, batchSize > 0 else {
      throw ImagingError.invalidArgument("workers and batch size must be positive")
    }
    // Parallelism comes from items; one libvips thread each avoids oversubscribing the cores,
    // and each file is used once, so the operation cache would only hold memory.
    try Vips.configure(concurrency: 1, cacheMaxOperations: 0, cacheMaxMemoryBytes: 1)
    let preprocessor = ImagePreprocessor(
      size: size, alignment: .celebaCrop, jitter: Jitter(seed: seed, options: .geometric),
      interpolation: .bilinear)
    let start = DispatchTime.now().uptimeNanoseconds
    var failed = 0
    var checksum = 0.0
    let plane = 3 * size * size
    var batch = try ImageBatchBuffer(count: batchSize, height: size, width: size)
    for first in stride(from: 0, to: files.count, by: batchSize) {
      let chunk = Array(files[first..<min(files.count, first + batchSize)])
      if chunk.count != batch.count {
        batch = try ImageBatchBuffer(count: chunk.count, height: size, width: size)
      }
      let errors = try preprocessor.fill(&batch, from: chunk, firstItem: first, parallelism: workers)
      failed += errors.compactMap { $0 }.count
      for index in 0..<chunk.count { checksum += Double(batch.data[index * plane]) }
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    return Report(
      images: files.count, failed: failed, seconds: seconds,
      imagesPerSecond: Double(files.count) / seconds,
      peakResidentMegabytes: Self.peakResidentMegabytes(), checksum: checksum)
  }

  /// Peak resident set size of this process so far, in MiB.
  public static func peakResidentMegabytes() -> Int {
    var usage = rusage()
    #if os(Linux)
      guard getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage) == 0 else { return 0 }
      return Int(usage.ru_maxrss) / 1024  // kilobytes on Linux
    #else
      guard getrusage(RUSAGE_SELF, &usage) == 0 else { return 0 }
      return Int(usage.ru_maxrss) / (1024 * 1024)  // bytes on macOS
    #endif
  }
}
