/// Detail transfer: a model's edit applied to a photo at the photo's resolution.
///
/// A model working at 64 px returns blurry faces. Adding only what it *changed* —
/// `photo + up(edited − reconstruction)`, both model outputs resized to the photo — keeps
/// the photo's detail wherever the edit does not reach, and is the photo itself when nothing
/// is edited. Masked composition instead shows the model's edited face wherever the edit
/// reaches (`ChangeMask`) and the photo elsewhere: an edit that removes something the photo
/// shows sharper than the model draws it (fine lines, thin brows) then removes all of it.
/// Redrawn composition keeps the photo plus the change where the edit is slight and shows the
/// edited face only where it redraws (`ChangeMask.redraw`): sharp recolourings, clean removals.
public enum DetailTransfer {
  /// How an edit meets the photo.
  public enum Composition: Sendable, Equatable {
    /// `photo + up(edited − reconstruction)`.
    case change
    /// `m · up(edited) + (1 − m) · photo`, `m` the change mask of reconstruction → edit.
    case masked(ChangeMask)
    /// `m · up(edited) + (1 − m) · (photo + up(edited − reconstruction))`, `m` the change
    /// mask of reconstruction → edit (usually `ChangeMask.redraw`).
    case redraw(ChangeMask)
  }

  /// `photo` (RGB) plus `edited − reconstruction`, the two resized to the photo's size with
  /// the same resampling, clamped to 0…255.
  public static func apply(photo: VipsImage, reconstruction: VipsImage, edited: VipsImage) throws -> VipsImage {
    try apply(photo: photo, reconstruction: reconstruction, edits: [edited])[0]
  }

  /// `apply` for several edits of the same photo (the frames of a sweep or a path): the photo
  /// and the resized reconstruction are read once.
  public static func apply(
    photo: VipsImage, reconstruction: VipsImage, edits: [VipsImage], composition: Composition = .change
  ) throws -> [VipsImage] {
    guard photo.bands == 3, reconstruction.bands == 3, edits.allSatisfy({ $0.bands == 3 }) else {
      throw ImagingError.invalidArgument(
        "detail transfer needs RGB images, got \(photo.bands), \(reconstruction.bands) and \(edits.map(\.bands)) bands")
    }
    for edited in edits where reconstruction.width != edited.width || reconstruction.height != edited.height {
      throw ImagingError.invalidArgument(
        "detail transfer: reconstruction \(reconstruction.width)×\(reconstruction.height) and edit "
          + "\(edited.width)×\(edited.height) differ in size")
    }
    let w = photo.width, h = photo.height
    let base = try photo.pixels()
    let from = try reconstruction.resized(width: w, height: h).pixels()
    return try edits.map { edited in
      let to = try edited.resized(width: w, height: h).pixels()
      switch composition {
      case .masked(let changeMask):
        let mask = try changeMask.mask(reconstruction: from, edited: to, width: w, height: h)
        return try VipsImage(pixels: try ChangeMask.compose(photo: base, edited: to, mask: mask), width: w, height: h)
      case .redraw(let changeMask):
        let mask = try changeMask.mask(reconstruction: from, edited: to, width: w, height: h)
        let pixels = try ChangeMask.composeRedrawn(photo: base, reconstruction: from, edited: to, mask: mask)
        return try VipsImage(pixels: pixels, width: w, height: h)
      case .change:
        var out = [UInt8](repeating: 0, count: base.count)
        for i in 0..<base.count {
          // Whole bytes in, so the value is a whole number: no rounding needed.
          out[i] = UInt8(clamping: Int(ChangeMask.changed(photo: Float(base[i]), reconstruction: Float(from[i]), edited: Float(to[i]), ceiling: 255)))
        }
        return try VipsImage(pixels: out, width: w, height: h)
      }
    }
  }
}
