import ArgumentParser
import Foundation
import MorphModels

/// `morph bench detect`: MTCNN face detection on 640×480 photos, for `bench/detect.sh`.
struct BenchDetect: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "detect",
    abstract: "Time face detection (MTCNN) on a folder of photos; print one JSON line.",
    discussion: """
      With --make N, writes N 640×480 PNG photos into the folder first (the real photos of \
      --photos cropped to 640×480, then collage canvases of real and synthetic faces), the set \
      bench/mtcnn_anchor.py times too. Decoding is not timed.
      """)

  @Argument(help: "Folder of .png photos.") var folder: String
  @Option(help: "Write this many 640×480 photos into the folder, then exit.") var make: Int?
  @Option(help: "Timed passes over the folder.") var passes: Int = 3
  @Option(help: "MTCNN weights.") var weights: String = "Fixtures/models/mtcnn.safetensors"
  @Option(help: "Folder of the real photos (for --make).") var photos: String = "Fixtures/photos"
  @Option(help: "Reference detections of the real photos (for --make).")
  var reference: String = "Fixtures/golden/mtcnn-detections.json"

  func run() throws {
    let url = URL(fileURLWithPath: folder)
    if let make {
      guard make > 0 else { throw ValidationError("--make must be positive") }
      let files = try DetectionBenchmark.makePhotos(
        count: make, folder: url, photos: URL(fileURLWithPath: photos), reference: URL(fileURLWithPath: reference))
      print("{\"workload\": \"detect-photos\", \"photos\": \(files.count), \"folder\": \"\(folder)\"}")
      return
    }
    guard passes > 0 else { throw ValidationError("--passes must be positive") }
    let detector = try FaceDetector(weights: URL(fileURLWithPath: weights))
    let r = try DetectionBenchmark.run(detector: detector, folder: url, passes: passes)
    print(
      "{\"workload\": \"detect\", \"framework\": \"morph \(MorphVersion.string)\", \"size\": \"640x480\", "
        + "\"photos\": \(r.photos), \"passes\": \(r.passes), \"faces_per_pass\": \(r.facesPerPass), "
        + "\"seconds\": \(String(format: "%.3f", r.seconds)), \"photos_per_s\": \(String(format: "%.2f", r.photosPerSecond)), "
        + "\"peak_rss_mb\": \(String(format: "%.1f", peakResidentMegabytes()))}")
  }
}
