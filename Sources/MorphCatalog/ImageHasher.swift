import Crypto
import Dispatch
import Foundation

/// Hashes image files on all cores (SHA-256 of the bytes) for content-addressed identity.
public enum ImageHasher {
  /// Returns (hex digest, byte count) per file, in order. Reports (done, total) to `progress`
  /// from one worker now and then.
  public static func hash(_ urls: [URL], progress: ((Int, Int) -> Void)? = nil) throws -> [(
    hash: String?, size: Int64?
  )] {
    let workers = max(1, min(ProcessInfo.processInfo.activeProcessorCount, 8))
    var hashes = [String?](repeating: nil, count: urls.count)
    var sizes = [Int64?](repeating: nil, count: urls.count)
    var failures = [CatalogError?](repeating: nil, count: workers)
    hashes.withUnsafeMutableBufferPointer { hashOut in
      sizes.withUnsafeMutableBufferPointer { sizeOut in
        failures.withUnsafeMutableBufferPointer { failOut in
          // Each worker owns a disjoint stride of indices, so the writes never overlap.
          DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var i = worker
            var done = 0
            while i < urls.count {
              do {
                let data = try Data(contentsOf: urls[i], options: .mappedIfSafe)
                hashOut[i] = SHA256.hex(data)
                sizeOut[i] = Int64(data.count)
              } catch {
                failOut[worker] = .unreadable(path: urls[i].path, reason: "\(error.localizedDescription)")
                return
              }
              done += 1
              if worker == 0, done % 2000 == 0 { progress?(done * workers, urls.count) }
              i += workers
            }
          }
        }
      }
    }
    if let failure = failures.compactMap({ $0 }).first { throw failure }
    return zip(hashes, sizes).map { ($0, $1) }
  }
}
