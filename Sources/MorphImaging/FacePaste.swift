import CVips
import Foundation

/// An edited face on its way back into its photo: the aligned face image (any square size) and
/// the face's five landmarks in the photo's pixels, which fix where it goes.
public struct PastedFace: Sendable {
  public var image: VipsImage
  public var landmarks: FaceLandmarks

  public init(image: VipsImage, landmarks: FaceLandmarks) {
    self.image = image
    self.landmarks = landmarks
  }
}

/// Puts edited faces back into the full-resolution photo: each face is warped through the inverse
/// of its alignment and blended in under a feathered `FaceMask`. Only each face's bounding region
/// is computed; the rest of the photo is referenced, not copied, so pixels outside every mask are
/// the photo's own bytes and a photo of any size costs memory for the faces' regions only.
public enum FacePaste {
  /// The photo with every face pasted in (later faces over earlier ones where they overlap).
  /// Faces whose region lies wholly outside the photo change nothing.
  public static func paste(_ faces: [PastedFace], into photo: VipsImage, feather: Double = 0.1) throws -> VipsImage {
    let mask = try FaceMask(feather: feather)
    var result = try photo.srgb8()
    for (k, face) in faces.enumerated() {
      do {
        result = try pasteOne(face, into: result, mask: mask)
      } catch let error as ImagingError {
        throw ImagingError.invalidArgument("paste face \(k): \(error)")
      }
    }
    return result
  }

  /// The photo pixels a face's mask can reach: the bounding box of its ellipse mapped back
  /// into the photo, widened by two pixels and clipped to the photo; nil when it is empty.
  public static func region(of face: PastedFace, photoWidth: Int, photoHeight: Int) throws
    -> (left: Int, top: Int, width: Int, height: Int)?
  {
    let size = face.image.width
    let toFace = try Align.landmarkTransform(face.landmarks, size: size)
    guard let toPhoto = toFace.inverse else {
      throw ImagingError.invalidArgument("the face's alignment is singular (landmarks \(face.landmarks.points))")
    }
    let e = try FaceMask().ellipse(size: size)
    let corners = [(-1.0, -1.0), (1.0, -1.0), (-1.0, 1.0), (1.0, 1.0)].map {
      toPhoto.apply(ImagePoint(x: e.centre.x + $0.0 * e.rx, y: e.centre.y + $0.1 * e.ry))
    }
    let xs = corners.map(\.x), ys = corners.map(\.y)
    guard let minX = xs.min(), let maxX = xs.max(), let minY = ys.min(), let maxY = ys.max(),
      [minX, maxX, minY, maxY].allSatisfy(\.isFinite)
    else { return nil }
    let left = max(0, Int(minX.rounded(.down)) - 2), top = max(0, Int(minY.rounded(.down)) - 2)
    let right = min(photoWidth, Int(maxX.rounded(.up)) + 3), bottom = min(photoHeight, Int(maxY.rounded(.up)) + 3)
    guard right > left, bottom > top else { return nil }
    return (left, top, right - left, bottom - top)
  }

  // MARK: - One face

  static func pasteOne(_ face: PastedFace, into photo: VipsImage, mask: FaceMask) throws -> VipsImage {
    let image = try face.image.srgb8()
    let size = image.width
    guard size >= 8, image.height == size else {
      throw ImagingError.invalidArgument("an aligned face must be square and at least 8 px, got \(image.width)×\(image.height)")
    }
    guard let r = try region(of: face, photoWidth: photo.width, photoHeight: photo.height) else { return photo }
    let toFace = try Align.landmarkTransform(face.landmarks, size: size)
    guard let toPhoto = toFace.inverse else { throw ImagingError.invalidArgument("the face's alignment is singular") }
    let regionToFace = AffineTransform.translation(dx: Double(r.left), dy: Double(r.top)).then(toFace)
    // The face drawn in the region's pixels; edge pixels repeat where the region reaches past
    // the face's square, but the mask is zero there.
    let warped = try image.warped(
      by: toPhoto.then(.translation(dx: -Double(r.left), dy: -Double(r.top))), width: r.width, height: r.height,
      interpolation: .bicubic, border: .edge)
    let over = try warped.pixels()
    let base = try photo.crop(left: r.left, top: r.top, width: r.width, height: r.height).pixels()
    let weights = mask.weights(width: r.width, height: r.height, toFace: regionToFace, size: size)
    let pixels = r.width * r.height
    guard over.count == pixels * 3, base.count == pixels * 3 else {
      throw ImagingError.invalidArgument("paste: region buffers of \(base.count) and \(over.count) bytes for \(pixels) pixels")
    }
    var blended = [UInt8](repeating: 0, count: pixels * 3)
    base.withUnsafeBufferPointer { b in
      over.withUnsafeBufferPointer { o in
        weights.withUnsafeBufferPointer { w in
          blended.withUnsafeMutableBufferPointer { out in
            if let bb = b.baseAddress, let ob = o.baseAddress, let wb = w.baseAddress, let outb = out.baseAddress {
              cvips_blend_u8(bb, ob, wb, pixels, 3, outb)
            }
          }
        }
      }
    }
    let patch = try VipsImage(pixels: blended, width: r.width, height: r.height)
    return try VipsImage.make("paste a face at (\(r.left), \(r.top))") {
      cvips_insert(photo.pointer, patch.pointer, Int32(r.left), Int32(r.top), $0)
    }
  }
}
