import CVips
import Foundation

/// A labelled contact sheet: a grid of tiles with row labels on the left and column labels on
/// top (e.g. rows = attribute groups, columns = strengths).
public struct ContactSheet: Sendable {
  public var rows: Int
  public var columns: Int
  /// One label per row (may be empty: then no label column is drawn).
  public var rowLabels: [String]
  /// One label per column (may be empty: then no label row is drawn).
  public var columnLabels: [String]
  /// Optional title above everything.
  public var title: String?
  /// Pixels between tiles and around the sheet.
  public var gap: Int
  /// Pango font description for labels, e.g. "sans 10".
  public var font: String
  /// Widest a row label may be before it wraps.
  public var maxRowLabelWidth: Int
  public var background: [Double]
  public var ink: [Double]

  public init(
    rows: Int, columns: Int, rowLabels: [String] = [], columnLabels: [String] = [],
    title: String? = nil, gap: Int = 4, font: String = "sans 10", maxRowLabelWidth: Int = 160,
    background: [Double] = [255, 255, 255], ink: [Double] = [0, 0, 0]
  ) {
    self.rows = rows
    self.columns = columns
    self.rowLabels = rowLabels
    self.columnLabels = columnLabels
    self.title = title
    self.gap = gap
    self.font = font
    self.maxRowLabelWidth = maxRowLabelWidth
    self.background = background
    self.ink = ink
  }

  /// Renders the sheet. `tiles` is row-major with `rows × columns` entries; nil leaves a cell
  /// empty. Tiles may differ in size: cells take the largest, tiles are centred in them.
  public func render(_ tiles: [VipsImage?]) throws -> VipsImage {
    guard rows > 0, columns > 0, tiles.count == rows * columns else {
      throw ImagingError.invalidArgument(
        "contact sheet of \(rows)×\(columns) needs \(rows * columns) tiles, got \(tiles.count)")
    }
    guard rowLabels.isEmpty || rowLabels.count == rows,
      columnLabels.isEmpty || columnLabels.count == columns
    else {
      throw ImagingError.invalidArgument(
        "contact sheet: \(rowLabels.count) row labels for \(rows) rows, "
          + "\(columnLabels.count) column labels for \(columns) columns")
    }
    guard gap >= 0, background.count == 3, ink.count == 3 else {
      throw ImagingError.invalidArgument("contact sheet: gap must be ≥ 0 and colours RGB")
    }
    let present = try tiles.compactMap { $0 }.map { try $0.srgb8() }
    let cellWidth = max(1, present.map(\.width).max() ?? 1)
    let cellHeight = max(1, present.map(\.height).max() ?? 1)

    let rowMasks = try rowLabels.map { try TextMask.render($0, font: font, width: maxRowLabelWidth) }
    let columnMasks = try columnLabels.map { try TextMask.render($0, font: font, width: cellWidth) }
    let titleMask = try title.map { try TextMask.render($0, font: font, width: 4 * cellWidth * columns) }
    let labelWidth = rowMasks.compactMap { $0?.width }.max().map { $0 + gap } ?? 0
    let labelHeight = columnMasks.compactMap { $0?.height }.max().map { $0 + gap } ?? 0
    let titleHeight = titleMask.flatMap { $0 }.map { $0.height + gap } ?? 0

    let gridLeft = gap + labelWidth
    let gridTop = gap + titleHeight + labelHeight
    let sheetWidth = max(
      gridLeft + columns * (cellWidth + gap), (titleMask.flatMap { $0 }?.width ?? 0) + 2 * gap)
    let sheetHeight = gridTop + rows * (cellHeight + gap)
    let canvas = try VipsImage.make("contact sheet canvas") {
      cvips_solid(Int32(sheetWidth), Int32(sheetHeight), background, $0)
    }.materialised()

    var converted = present.makeIterator()
    for (index, tile) in tiles.enumerated() {
      guard tile != nil, let image = converted.next() else { continue }
      let (row, column) = (index / columns, index % columns)
      let x = gridLeft + column * (cellWidth + gap) + (cellWidth - image.width) / 2
      let y = gridTop + row * (cellHeight + gap) + (cellHeight - image.height) / 2
      try canvas.draw(image, x: x, y: y)
    }
    if let mask = titleMask.flatMap({ $0 }) { try canvas.draw(mask: mask, ink: ink, x: gap, y: gap) }
    for (column, mask) in columnMasks.enumerated() {
      guard let mask else { continue }
      let x = gridLeft + column * (cellWidth + gap) + max(0, (cellWidth - mask.width) / 2)
      try canvas.draw(mask: mask, ink: ink, x: x, y: gap + titleHeight)
    }
    for (row, mask) in rowMasks.enumerated() {
      guard let mask else { continue }
      let y = gridTop + row * (cellHeight + gap) + max(0, (cellHeight - mask.height) / 2)
      try canvas.draw(mask: mask, ink: ink, x: gap, y: y)
    }
    return canvas
  }
}

/// Text rendered by libvips (Pango) as a one-band coverage mask.
enum TextMask {
  /// The mask for `text` wrapped at `width` pixels, or nil for empty text.
  static func render(_ text: String, font: String, width: Int) throws -> VipsImage? {
    let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
    if trimmed.isEmpty { return nil }
    // Markup is not wanted: labels such as "a<b" must print as written.
    let escaped = trimmed.replacingOccurrences(of: "&", with: "&amp;")
      .replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    return try VipsImage.make("render label \"\(trimmed)\"") {
      cvips_text(escaped, font, Int32(max(8, width)), 72, $0)
    }
  }
}

extension VipsImage {
  /// Paints `image` onto this memory image (from `materialised()`) at (x, y), in place.
  func draw(_ image: VipsImage, x: Int, y: Int) throws {
    guard cvips_draw_image(pointer, image.pointer, Int32(x), Int32(y)) == 0 else {
      throw ImagingError.vips("draw tile: \(Vips.takeError())")
    }
  }

  /// Blends `ink` through a one-band mask onto this memory image at (x, y), in place.
  func draw(mask: VipsImage, ink: [Double], x: Int, y: Int) throws {
    guard cvips_draw_mask(pointer, ink, Int32(ink.count), mask.pointer, Int32(x), Int32(y)) == 0 else {
      throw ImagingError.vips("draw label: \(Vips.takeError())")
    }
  }
}
