import Foundation
import MorphImaging

/// `grid`: a labelled contact sheet of every input image, each captioned with its item name.
enum GridStage {
  static let descriptor = StageDescriptor(
    name: "grid", summary: "Lay every image out on one contact sheet, each tile captioned with its item name.",
    shape: .reduce, input: .images, output: .images,
    parameters: [
      ParameterSpec("columns", .int, default: .int(0), "Tiles per row (0 = about square).", range: .integers(0...1024)),
      ParameterSpec("title", .string, default: .string(""), "Title above the sheet."),
      ParameterSpec("labels", .bool, default: .bool(true), "Caption each tile with its item name."),
      ParameterSpec("font", .string, default: .string("sans 9"), "Pango font for captions."),
    ],
    concurrency: 1
  ) { context in
    let requestedColumns = context.int("columns")
    guard requestedColumns >= 0 else {
      throw PipelineError.stage(stage: context.stageID, message: "columns must be ≥ 0")
    }
    let title = context.string("title"), font = context.string("font"), labels = context.bool("labels")
    return .reduce { items in
      let columns = requestedColumns > 0 ? requestedColumns : Int(Double(items.count).squareRoot().rounded(.up))
      let rows = (items.count + columns - 1) / columns
      var tiles: [VipsImage?] = []
      for item in items {
        let image = try item.image(in: context.stageID)
        if labels {
          let caption = ContactSheet(
            rows: 1, columns: 1, columnLabels: [caption(item.id)], gap: 2, font: font)
          tiles.append(try caption.render([image]))
        } else {
          tiles.append(image)
        }
      }
      tiles += Array(repeating: nil, count: rows * columns - tiles.count)
      let sheet = ContactSheet(rows: rows, columns: columns, title: title.isEmpty ? nil : title, gap: 6, font: font)
      return .image(try sheet.render(tiles).materialised())
    }
  }

  /// A tile caption: the file name without folders or extension.
  static func caption(_ id: String) -> String {
    ((id as NSString).lastPathComponent as NSString).deletingPathExtension
  }
}
