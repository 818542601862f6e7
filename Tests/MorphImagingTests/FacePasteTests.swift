import Foundation
import MorphImaging
import XCTest

/// Pasting aligned faces back into their photo: geometry, feathering and untouched pixels.
final class FacePasteTests: XCTestCase {
  /// Landmarks of a face about 60 px between the eyes, tilted by `degrees`, centred at `centre`.
  func landmarks(centre: ImagePoint, scale: Double = 1.5, degrees: Double = 0) throws -> FaceLandmarks {
    let t = FaceLandmarks.celebaTemplate
    let pivot = ImagePoint(x: 88.5, y: 130)
    let map = AffineTransform.translation(dx: -pivot.x, dy: -pivot.y)
      .then(.scale(x: scale, y: scale)).then(.rotation(radians: degrees * .pi / 180))
      .then(.translation(dx: centre.x, dy: centre.y))
    return t.transformed(by: map)
  }

  func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
    let mse = zip(a, b).reduce(0.0) { $0 + pow(Double($1.0) - Double($1.1), 2) } / Double(a.count)
    return mse == 0 ? 99 : 10 * log10(255 * 255 / mse)
  }

  /// Whether region pixel (x, y) of the photo lies where some face's mask is non-zero.
  func masked(_ faces: [PastedFace], width: Int, height: Int, feather: Double = 0.1) throws -> [Bool] {
    var inside = [Bool](repeating: false, count: width * height)
    for face in faces {
      guard let r = try FacePaste.region(of: face, photoWidth: width, photoHeight: height) else { continue }
      let toFace = AffineTransform.translation(dx: Double(r.left), dy: Double(r.top))
        .then(try Align.landmarkTransform(face.landmarks, size: face.image.width))
      let w = try FaceMask(feather: feather).weights(width: r.width, height: r.height, toFace: toFace, size: face.image.width)
      for y in 0..<r.height {
        for x in 0..<r.width where w[y * r.width + x] > 0 { inside[(r.top + y) * width + r.left + x] = true }
      }
    }
    return inside
  }

  func testRoundTripWithoutEditKeepsThePhoto() throws {
    // detect → align at the detail size → (no edit) → paste back.
    let photo = try TestImages.waves(width: 400, height: 300)
    let points = try landmarks(centre: ImagePoint(x: 190, y: 150), degrees: 12)
    let aligned = try Align.landmarks(photo, points: points, size: 256)
    let face = PastedFace(image: aligned, landmarks: points)
    let out = try FacePaste.paste([face], into: photo)
    XCTAssertEqual(out.width, 400)
    XCTAssertEqual(out.height, 300)
    let (before, after) = (try photo.pixels(), try out.pixels())
    XCTAssertGreaterThanOrEqual(psnr(before, after), 40)
    let inside = try masked([face], width: 400, height: 300)
    XCTAssertTrue(inside.contains(true))
    for i in 0..<(400 * 300) where !inside[i] {
      guard before[3 * i..<3 * i + 3] == after[3 * i..<3 * i + 3] else {
        return XCTFail("pixel \(i % 400), \(i / 400) outside the mask changed")
      }
    }
  }

  func testEditedFaceLandsOnTheFaceAndNowhereElse() throws {
    let photo = try TestImages.gradient(width: 320, height: 240)
    let a = try landmarks(centre: ImagePoint(x: 90, y: 120), scale: 0.8, degrees: -20)
    let b = try landmarks(centre: ImagePoint(x: 230, y: 110), scale: 0.7, degrees: 8)
    let red = try VipsImage(pixels: [UInt8](repeating: 0, count: 64 * 64 * 3).enumerated().map { $0.offset % 3 == 0 ? 255 : 0 }, width: 64, height: 64)
    let faces = [PastedFace(image: red, landmarks: a), PastedFace(image: red, landmarks: b)]
    let out = try FacePaste.paste(faces, into: photo).pixels()
    let before = try photo.pixels()
    for p in [a.nose, b.nose, a.leftEye, b.rightMouth] {
      let i = 3 * (Int(p.y.rounded()) * 320 + Int(p.x.rounded()))
      XCTAssertEqual(Array(out[i..<i + 3]), [255, 0, 0], "at \(p)")
    }
    // Half-way between the faces, and the corners: the photo's own bytes.
    for (x, y) in [(160, 230), (0, 0), (319, 239), (319, 0)] {
      let i = 3 * (y * 320 + x)
      XCTAssertEqual(Array(out[i..<i + 3]), Array(before[i..<i + 3]), "at \(x), \(y)")
    }
    let inside = try masked(faces, width: 320, height: 240)
    var changedOutside = 0
    for i in 0..<(320 * 240) where !inside[i] && out[3 * i..<3 * i + 3] != before[3 * i..<3 * i + 3] { changedOutside += 1 }
    XCTAssertEqual(changedOutside, 0)
  }

  func testFeatherBlendsTheEdge() throws {
    let photo = try TestImages.gradient(width: 200, height: 200, rStep: 0, gStep: 0, blue: 0)
    let points = try landmarks(centre: ImagePoint(x: 100, y: 100), scale: 0.9)
    let white = try VipsImage(pixels: [UInt8](repeating: 255, count: 32 * 32 * 3), width: 32, height: 32)
    let out = try FacePaste.paste([PastedFace(image: white, landmarks: points)], into: photo, feather: 0.3).pixels()
    // Along a row through the face's centre, the weight climbs from 0 to 255 with values between.
    let row = (0..<200).map { out[3 * (100 * 200 + $0)] }
    XCTAssertEqual(row[0], 0)
    XCTAssertEqual(row[100], 255)
    XCTAssertTrue(row.contains { $0 > 20 && $0 < 235 }, "no feathered values: \(row)")
    XCTAssertThrowsError(try FacePaste.paste([], into: photo, feather: 2))
  }

  func testFaceOutsideThePhotoChangesNothing() throws {
    let photo = try TestImages.noise(width: 100, height: 80)
    let points = try landmarks(centre: ImagePoint(x: 600, y: 500))
    let face = try TestImages.gradient(width: 64, height: 64)
    let out = try FacePaste.paste([PastedFace(image: face, landmarks: points)], into: photo)
    XCTAssertEqual(try out.pixels(), try photo.pixels())
    let notSquare = try TestImages.gradient(width: 64, height: 32)
    let near = try landmarks(centre: ImagePoint(x: 50, y: 40), scale: 0.3)
    XCTAssertThrowsError(try FacePaste.paste([PastedFace(image: notSquare, landmarks: near)], into: photo))
  }
}
