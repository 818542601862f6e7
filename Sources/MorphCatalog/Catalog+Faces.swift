import Foundation
import GRDB

/// One face a detector found in an image, in the image's pixels (EXIF rotation applied).
public struct FaceRecord: Sendable, Equatable {
  /// Position among the image's faces, in the detector's order.
  public var faceIndex: Int
  /// Box corners: left, top, right, bottom.
  public var x0: Double, y0: Double, x1: Double, y1: Double
  public var score: Double
  /// Ten numbers: x and y of the eye centres, nose tip and mouth corners, in CelebA's order.
  public var landmarks: [Double]

  public init(faceIndex: Int, x0: Double, y0: Double, x1: Double, y1: Double, score: Double, landmarks: [Double]) {
    self.faceIndex = faceIndex
    self.x0 = x0
    self.y0 = y0
    self.x1 = x1
    self.y1 = y1
    self.score = score
    self.landmarks = landmarks
  }
}

/// What one detector found in one image: the image's size as scanned and its faces (none for a
/// photo without a face).
public struct FaceScan: Sendable, Equatable {
  public var imageID: Int64
  public var detector: String
  public var width: Int
  public var height: Int
  public var faces: [FaceRecord]
  public var runID: Int64?

  public init(imageID: Int64, detector: String, width: Int, height: Int, faces: [FaceRecord], runID: Int64? = nil) {
    self.imageID = imageID
    self.detector = detector
    self.width = width
    self.height = height
    self.faces = faces
    self.runID = runID
  }
}

extension Catalog {
  /// Records a scan, replacing what the same detector found in the same image before.
  /// Throws `invalidArgument` for landmarks that are not ten finite numbers or duplicate indices.
  public func recordFaceScan(_ scan: FaceScan) throws {
    for face in scan.faces {
      guard face.landmarks.count == 10, (face.landmarks + [face.x0, face.y0, face.x1, face.y1, face.score]).allSatisfy(\.isFinite)
      else {
        throw CatalogError.invalidArgument(
          "face \(face.faceIndex) of image \(scan.imageID): box, score and 10 landmark numbers must be finite")
      }
    }
    guard Set(scan.faces.map(\.faceIndex)).count == scan.faces.count else {
      throw CatalogError.invalidArgument("image \(scan.imageID): face indices repeat in one scan")
    }
    let now = ISO8601DateFormatter().string(from: Date())
    try write { db in
      try db.execute(
        sql: "DELETE FROM face_scan WHERE image_id = ? AND detector = ?", arguments: [scan.imageID, scan.detector])
      try db.execute(
        sql: """
          INSERT INTO face_scan (image_id, detector, face_count, width, height, run_id, scanned_at)
          VALUES (?, ?, ?, ?, ?, ?, ?)
          """,
        arguments: [scan.imageID, scan.detector, scan.faces.count, scan.width, scan.height, scan.runID, now])
      let insert = try db.makeStatement(
        sql: """
          INSERT INTO face (image_id, detector, face_index, x0, y0, x1, y1, score,
            left_eye_x, left_eye_y, right_eye_x, right_eye_y, nose_x, nose_y,
            left_mouth_x, left_mouth_y, right_mouth_x, right_mouth_y, run_id)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
      for f in scan.faces {
        var arguments: StatementArguments = [scan.imageID, scan.detector, f.faceIndex, f.x0, f.y0, f.x1, f.y1, f.score]
        arguments += StatementArguments(f.landmarks)
        arguments += [scan.runID]
        try insert.execute(arguments: arguments)
      }
    }
  }

  /// The last scan of an image by `detector`, or nil when it was never scanned.
  public func faceScan(imageID: Int64, detector: String) throws -> FaceScan? {
    try read { db in
      guard
        let scan = try Row.fetchOne(
          db, sql: "SELECT width, height, run_id FROM face_scan WHERE image_id = ? AND detector = ?",
          arguments: [imageID, detector])
      else { return nil }
      let faces = try Row.fetchAll(
        db, sql: "SELECT * FROM face WHERE image_id = ? AND detector = ? ORDER BY face_index",
        arguments: [imageID, detector]
      ).map { row in
        FaceRecord(
          faceIndex: row["face_index"], x0: row["x0"], y0: row["y0"], x1: row["x1"], y1: row["y1"], score: row["score"],
          landmarks: Self.landmarkColumns.map { row[$0] })
      }
      return FaceScan(
        imageID: imageID, detector: detector, width: scan["width"], height: scan["height"], faces: faces,
        runID: scan["run_id"])
    }
  }

  /// Images scanned by `detector` and how many faces each has, in image id order.
  public func faceCounts(detector: String) throws -> [(imageID: Int64, faces: Int)] {
    try read { db in
      try Row.fetchAll(
        db, sql: "SELECT image_id, face_count FROM face_scan WHERE detector = ? ORDER BY image_id", arguments: [detector]
      ).map { ($0["image_id"], $0["face_count"]) }
    }
  }

  static let landmarkColumns = [
    "left_eye_x", "left_eye_y", "right_eye_x", "right_eye_y", "nose_x", "nose_y", "left_mouth_x", "left_mouth_y",
    "right_mouth_x", "right_mouth_y",
  ]
}
