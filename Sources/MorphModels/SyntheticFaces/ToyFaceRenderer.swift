import Foundation

/// The five CelebA landmarks of a face, in output pixel coordinates.
public struct FaceLandmarks: Equatable, Sendable {
  public var leftEye: FacePoint
  public var rightEye: FacePoint
  public var nose: FacePoint
  public var leftMouth: FacePoint
  public var rightMouth: FacePoint

  /// In `list_landmarks_align_celeba.txt` order: lefteye, righteye, nose, leftmouth, rightmouth.
  public var points: [FacePoint] { [leftEye, rightEye, nose, leftMouth, rightMouth] }
}

/// A rendered face: 8-bit interleaved RGB pixels plus its landmarks.
public struct ToyFaceImage: Sendable {
  public var width: Int
  public var height: Int
  public var pixels: [UInt8]
  public var landmarks: FaceLandmarks
}

/// Draws synthetic faces in CelebA's aligned layout from `ToyFaceParameters`.
///
/// Everything is painted with signed-distance shapes and coverage anti-aliasing onto a float
/// canvas, so the output depends only on the parameters and size (deterministic, no state).
public struct ToyFaceRenderer: Sendable {
  public var width: Int
  public var height: Int

  /// A renderer for `width × height` images (178×218 is CelebA's aligned size; other sizes
  /// scale the same layout by `width / 178`).
  public init(width: Int = 178, height: Int = 218) {
    self.width = width
    self.height = height
  }

  /// Renders the face described by `p`.
  public func render(_ p: ToyFaceParameters) -> ToyFaceImage {
    var canvas = FaceCanvas(width: width, height: height, pose: p.identity.pose)
    let g = FaceGeometry(p)
    draw(p, g, on: &canvas)
    let marks = g.landmarks.map { canvas.pixel(of: $0) }
    return ToyFaceImage(
      width: width, height: height, pixels: canvas.bytes(),
      landmarks: FaceLandmarks(
        leftEye: marks[0], rightEye: marks[1], nose: marks[2], leftMouth: marks[3], rightMouth: marks[4]))
  }

  // MARK: - Painting, back to front

  private func draw(_ p: ToyFaceParameters, _ g: FaceGeometry, on canvas: inout FaceCanvas) {
    let id = p.identity
    let v = { (a: ToyFaceAttribute) in FaceVisibility.of(p[a]) }
    let cx = FaceLayout.centerX, eyeY = FaceLayout.eyeY
    let colours = FacePalette(p)

    // Background and neck.
    let bg = FacePalette.hsv(id.backgroundHue, 0.35, id.backgroundLevel)
    canvas.fillGradient(top: bg.scaled(1.1), bottom: bg.scaled(0.8))
    canvas.fill(
      .roundedBox(
        center: FacePoint(cx, g.faceCY + id.faceHeight + 14), halfWidth: id.faceWidth * 0.55, halfHeight: 34,
        radius: 8), colours.skin.scaled(0.82))

    // Hair behind the head: long hair on feminine faces, the cap over the scalp unless bald.
    let hairLength = 20 + 55 * (1 - p[.male])
    let longHair = FaceShape.roundedBox(
      center: FacePoint(cx, eyeY + hairLength / 2), halfWidth: id.faceWidth + 9,
      halfHeight: hairLength / 2 + 2, radius: 8)
    canvas.fill(longHair, colours.hair)
    let hairOutline = FaceShape.ellipse(
      center: FacePoint(cx, g.faceCY - 14), rx: id.faceWidth + 9, ry: id.faceHeight + 9)
    canvas.fill(
      .intersection(.ellipse(center: FacePoint(cx, g.faceCY - 8), rx: id.faceWidth + 1, ry: id.faceHeight + 8), .above(g.faceCY)),
      colours.skin)
    let cap = FaceShape.intersection(hairOutline, .above(eyeY + 6))
    canvas.fill(cap, colours.hair, alpha: 1 - v(.bald))
    // Grey strands over the hair.
    let grey = v(.grayHair)
    if grey > 0 {
      for k in -3...3 {
        let x = cx + Double(k) * id.faceWidth / 3.5
        let strand = FaceShape.curve(
          FacePoint(x * 0.8 + cx * 0.2, g.faceCY - id.faceHeight - 20), control: FacePoint(x + 6, eyeY - 20),
          FacePoint(x * 1.1 - cx * 0.1, eyeY + hairLength), radius: 1.1, segments: 6)
        let light = FaceColor(0.92, 0.92, 0.95)
        canvas.fill(.intersection(strand, cap), light, alpha: 0.75 * grey * (1 - v(.bald)))
        canvas.fill(.intersection(strand, .subtraction(longHair, minus: cap)), light, alpha: 0.75 * grey)
      }
    }

    // Ears and face.
    for side in [-1.0, 1.0] {
      canvas.fill(
        .ellipse(center: FacePoint(cx + side * id.faceWidth, eyeY + 9), rx: 5, ry: 10), colours.skin.scaled(0.92))
    }
    canvas.fill(g.face, colours.skin)

    // Hair on the forehead: face above the hairline (receding raises and widens it).
    let rec = v(.recedingHairline)
    let forehead = FaceShape.ellipse(
      center: FacePoint(cx, eyeY - 5), rx: id.faceWidth - 8 + 9 * rec, ry: 31 + 16 * rec)
    canvas.fill(
      .subtraction(.intersection(g.face, .above(eyeY - 4)), minus: forehead), colours.hair, alpha: 1 - v(.bald))

    // Age: forehead lines, folds beside the mouth, crow's feet.
    let old = 1 - p[.young]
    if old > 0.01 {
      let line = colours.skin.scaled(0.62)
      for k in 0..<2 {
        let y = eyeY - 24 - Double(k) * 6
        canvas.fill(
          .curve(FacePoint(cx - 15, y + 1), control: FacePoint(cx, y - 3), FacePoint(cx + 15, y + 1), radius: 0.9, segments: 6),
          line, alpha: 0.8 * old)
      }
      for side in [-1.0, 1.0] {
        canvas.fill(
          .curve(
            FacePoint(cx + side * 9, id.noseY - 2), control: FacePoint(cx + side * (id.mouthWidth + 4), id.noseY + 6),
            FacePoint(cx + side * (id.mouthWidth + 3), g.cornerY + 6), radius: 1.0, segments: 6),
          line, alpha: 0.85 * old)
        canvas.fill(
          .capsule(
            FacePoint(cx + side * (id.eyeSpacing + id.eyeSize + 3), eyeY + 1),
            FacePoint(cx + side * (id.eyeSpacing + id.eyeSize + 8), eyeY + 4), radius: 0.8), line, alpha: 0.8 * old)
      }
    }

    // Gender group: sideburns, beard, goatee (mustache goes with the mouth).
    for side in [-1.0, 1.0] {
      canvas.fill(
        .intersection(
          .capsule(
            FacePoint(cx + side * (id.faceWidth - 2), eyeY - 8), FacePoint(cx + side * (id.faceWidth - 4), eyeY + 18),
            radius: 4.5), g.face), colours.hair, alpha: v(.sideburns))
    }
    let beard = FaceShape.subtraction(
      .intersection(g.face, .below(id.noseY + 5)),
      minus: .ellipse(center: FacePoint(cx, FaceLayout.mouthY), rx: id.mouthWidth + 4, ry: 8))
    canvas.fill(beard, colours.beard, alpha: 0.9 * FaceVisibility.of(1 - p[.noBeard]))
    // The goatee is darker than the beard so it still shows on a bearded chin.
    canvas.fill(
      .intersection(.ellipse(center: FacePoint(cx, FaceLayout.mouthY + 19), rx: 9, ry: 10), g.face),
      colours.beard.mixed(with: FaceColor(0.05, 0.04, 0.04), 0.45), alpha: v(.goatee))

    // Makeup: blush on the cheeks.
    let makeup = v(.heavyMakeup)
    for side in [-1.0, 1.0] {
      canvas.fill(
        .ellipse(center: FacePoint(cx + side * (id.eyeSpacing + 4), id.noseY + 2), rx: 8, ry: 5),
        FaceColor(0.93, 0.45, 0.55), alpha: 0.55 * makeup)
    }

    // Bangs: a fringe over the forehead down to just above the brows.
    canvas.fill(
      .intersection(.intersection(hairOutline, .above(eyeY - 18)), .below(g.faceCY - id.faceHeight - 12)),
      colours.hair, alpha: v(.bangs))

    drawEyes(p, g, colours, on: &canvas)
    drawMouth(p, g, colours, on: &canvas)

    // Glasses on top of everything on the face.
    let glasses = v(.eyeglasses)
    if glasses > 0 {
      let frame = FaceColor(0.08, 0.08, 0.1)
      for side in [-1.0, 1.0] {
        let c = FacePoint(cx + side * id.eyeSpacing, eyeY + 1)
        canvas.fill(.ring(center: c, rx: id.eyeSize + 6, ry: 8.5, halfThickness: 1.4), frame, alpha: glasses)
        canvas.fill(
          .capsule(
            FacePoint(cx + side * (id.eyeSpacing + id.eyeSize + 6), eyeY - 1),
            FacePoint(cx + side * (id.faceWidth - 1), eyeY - 3), radius: 1.2), frame, alpha: glasses)
      }
      canvas.fill(
        .curve(
          FacePoint(cx - id.eyeSpacing + id.eyeSize + 6, eyeY), control: FacePoint(cx, eyeY - 5),
          FacePoint(cx + id.eyeSpacing - id.eyeSize - 6, eyeY), radius: 1.2, segments: 4), frame, alpha: glasses)
    }

    canvas.applyLight(angle: id.lightAngle, strength: id.lightStrength)
  }

  private func drawEyes(_ p: ToyFaceParameters, _ g: FaceGeometry, _ colours: FacePalette, on canvas: inout FaceCanvas) {
    let id = p.identity
    let cx = FaceLayout.centerX, eyeY = FaceLayout.eyeY
    let makeup = FaceVisibility.of(p[.heavyMakeup])
    let arch = p[.archedEyebrows], bushy = p[.bushyEyebrows]
    for side in [-1.0, 1.0] {
      let ex = cx + side * id.eyeSpacing
      canvas.fill(
        .ellipse(center: FacePoint(ex, eyeY - 4), rx: id.eyeSize + 2, ry: 5.5), FaceColor(0.45, 0.25, 0.6),
        alpha: 0.6 * makeup)
      canvas.fill(.ellipse(center: FacePoint(ex, eyeY), rx: id.eyeSize, ry: id.eyeSize * 0.55), FaceColor(0.97, 0.97, 0.95))
      canvas.fill(.ellipse(center: FacePoint(ex, eyeY), rx: id.eyeSize * 0.48, ry: id.eyeSize * 0.48), colours.iris)
      canvas.fill(.ellipse(center: FacePoint(ex, eyeY), rx: id.eyeSize * 0.24, ry: id.eyeSize * 0.24), FaceColor(0.02, 0.02, 0.02))
      // Upper lid line.
      canvas.fill(
        .curve(
          FacePoint(ex - side * id.eyeSize, eyeY), control: FacePoint(ex, eyeY - id.eyeSize * 1.15),
          FacePoint(ex + side * id.eyeSize, eyeY), radius: 0.7 + 0.5 * makeup, segments: 6),
        colours.skin.scaled(0.35), alpha: 0.9)
      // Brow: inner end to outer end, the control point lifts with the arch.
      let inner = FacePoint(cx + side * (id.eyeSpacing - 9), eyeY - 12)
      let outer = FacePoint(cx + side * (id.eyeSpacing + 10), eyeY - 11)
      let control = FacePoint(cx + side * (id.eyeSpacing + 3 + 3 * arch), eyeY - 14 - 9 * arch)
      canvas.fill(.curve(inner, control: control, outer, radius: 1.1 + 2.6 * bushy, segments: 8), colours.brow)
    }
  }

  private func drawMouth(_ p: ToyFaceParameters, _ g: FaceGeometry, _ colours: FacePalette, on canvas: inout FaceCanvas) {
    let id = p.identity
    let cx = FaceLayout.centerX
    let smile = p[.smiling]
    let open = FaceVisibility.of(p[.mouthSlightlyOpen])
    let hw = id.mouthWidth, cornerY = g.cornerY
    let lineMid = FaceLayout.mouthY + 1 + 2 * smile
    let line = Parabola(cx: cx, halfWidth: hw, yMid: lineMid, yEnd: cornerY)
    let openLower = Parabola(cx: cx, halfWidth: hw, yMid: lineMid + 7 * open, yEnd: cornerY)
    let upperTop = Parabola(cx: cx, halfWidth: hw, yMid: lineMid - 5, yEnd: cornerY)
    let lowerBottom = Parabola(cx: cx, halfWidth: hw, yMid: lineMid + 7 * open + 5.5, yEnd: cornerY)

    // Mustache above the upper lip.
    canvas.fill(
      .curve(
        FacePoint(cx - hw - 2, cornerY + 2), control: FacePoint(cx, FaceLayout.mouthY - 13),
        FacePoint(cx + hw + 2, cornerY + 2), radius: 2.8, segments: 8),
      colours.beard, alpha: FaceVisibility.of(p[.mustache]))

    // Nose: bridge shade and nostrils centred on the landmark.
    canvas.fill(
      .capsule(FacePoint(cx - 3, FaceLayout.eyeY + 4), FacePoint(cx - 4.5, id.noseY - 4), radius: 1.4),
      colours.skin.scaled(0.8), alpha: 0.6)
    for side in [-1.0, 1.0] {
      canvas.fill(.ellipse(center: FacePoint(cx + side * 3.5, id.noseY), rx: 2.2, ry: 1.5), colours.skin.scaled(0.4))
    }

    canvas.fill(.band(upper: upperTop, lower: lowerBottom), colours.lips)
    canvas.fill(.band(upper: line, lower: openLower), FaceColor(0.22, 0.05, 0.07), alpha: open)
    // Teeth show in the upper part of an open, smiling mouth.
    let teeth = Parabola(cx: cx, halfWidth: hw, yMid: lineMid + 7 * open * 0.45, yEnd: cornerY)
    canvas.fill(.band(upper: line, lower: teeth), FaceColor(0.95, 0.94, 0.88), alpha: open * smile)
    // The dark line between the lips ends exactly at the mouth-corner landmarks.
    let lineUpper = Parabola(cx: cx, halfWidth: hw, yMid: lineMid - 0.8, yEnd: cornerY - 0.8)
    let lineLower = Parabola(cx: cx, halfWidth: hw, yMid: lineMid + 0.8, yEnd: cornerY + 0.8)
    canvas.fill(.band(upper: lineUpper, lower: lineLower), FaceColor(0.3, 0.08, 0.08), alpha: 1 - open)
  }
}

/// Derived positions shared by the painting steps and the landmarks.
struct FaceGeometry {
  let faceCY: Double
  let cornerY: Double
  let face: FaceShape
  /// Canonical landmarks: eyes, nose, mouth corners.
  let landmarks: [FacePoint]

  init(_ p: ToyFaceParameters) {
    let id = p.identity
    let cx = FaceLayout.centerX
    faceCY = 128
    cornerY = FaceLayout.mouthY + 1 - 6 * p[.smiling]
    let center = FacePoint(cx, faceCY)
    // Masculine faces have a squarer jaw: the outline blends toward a rounded box.
    face = .blend(
      .ellipse(center: center, rx: id.faceWidth, ry: id.faceHeight),
      .roundedBox(center: center, halfWidth: id.faceWidth, halfHeight: id.faceHeight, radius: 24),
      weight: 0.6 * p[.male])
    landmarks = [
      FacePoint(cx - id.eyeSpacing, FaceLayout.eyeY), FacePoint(cx + id.eyeSpacing, FaceLayout.eyeY),
      FacePoint(cx, id.noseY), FacePoint(cx - id.mouthWidth, cornerY), FacePoint(cx + id.mouthWidth, cornerY),
    ]
  }
}
