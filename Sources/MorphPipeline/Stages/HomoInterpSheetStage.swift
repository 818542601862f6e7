import Foundation
import MorphImaging
import MorphModels

/// `homointerp.sheet`: turns each item's sweep strip into a labelled sheet — rows = groups,
/// columns = strengths — the figure of a sweep.
enum HomoInterpSheetStage {
  static let descriptor = StageDescriptor(
    name: "homointerp.sheet",
    summary: "Lay each sweep strip out as a labelled sheet: rows = attribute groups, columns = strengths.",
    shape: .map, input: .images, output: .images,
    parameters: [
      HomoInterpParameters.sweepSpec("Column strengths, as given to homointerp.interpolate (empty = one column per frame)."),
      HomoInterpParameters.sweepGroupsSpec("Row names, as given to homointerp.interpolate (empty or `each` = the checkpoint's groups)."),
      ParameterSpec(
        "checkpoint", .string, default: .string(""),
        "Checkpoint whose group names label the rows for an empty sweep_groups or `each` (its JSON metadata is read)."),
      ParameterSpec("title", .string, default: .string(""), "Sheet title; `{item}` is replaced by the item name (empty = the item name)."),
      ParameterSpec(
        "tile", .int, default: .int(128), "Side of each tile in pixels (frames are resampled; 0 = as decoded).",
        range: .integers(0...1024)),
      ParameterSpec("font", .string, default: .string("sans 9"), "Pango font for labels."),
    ],
    concurrency: 2, batch: 1
  ) { context in
    let columns: [Float]
    do { columns = try HomoInterpParameters.strengthList(context.string("sweep")) } catch {
      throw PipelineError.stage(stage: context.stageID, message: "sweep: \(error)")
    }
    var names = HomoInterpParameters.nameList(context.string("sweep_groups"))
    if !context.string("checkpoint").isEmpty {
      let paths = try HomoInterpCheckpoint.files(context.url("checkpoint"), written: context.string("checkpoint"))
      names = try HomoInterpParameters.expandRows(names, groups: HomoInterpModel.readInfo(paths.metadata).groups, stage: context.stageID)
    } else if names.contains("each") {
      throw PipelineError.stage(stage: context.stageID, message: "sweep_groups `each` needs the checkpoint parameter (its groups name the rows)")
    }
    let rows = names
    let title = context.string("title"), font = context.string("font"), tile = context.int("tile")
    return .map { items in
      eachItem(items) { item in
        var frames = try HomoInterpFrames.frames(of: try item.image(in: context.stageID), item: item.id, stage: context.stageID)
        if tile > 0 { frames = try frames.map { try $0.resized(width: tile, height: tile) } }
        let columnCount = columns.isEmpty ? frames.count : columns.count
        guard frames.count % columnCount == 0, rows.isEmpty || rows.count * columnCount == frames.count else {
          throw PipelineError.item(
            stage: context.stageID, item: item.id,
            message: "the strip has \(frames.count) frames, which is not \(rows.isEmpty ? "a multiple of" : "\(rows.count) rows ×") "
              + "\(columnCount) strengths; give the sweep and sweep_groups of the interpolate stage")
        }
        let rowCount = frames.count / columnCount
        let caption = GridStage.caption(item.id)
        let sheet = ContactSheet(
          rows: rowCount, columns: columnCount,
          rowLabels: rows.isEmpty ? (rowCount > 1 ? (1...rowCount).map { "row \($0)" } : []) : rows,
          columnLabels: columns.isEmpty ? (1...columnCount).map { "\($0)" } : columns.map { label($0) },
          title: title.isEmpty ? caption : title.replacingOccurrences(of: "{item}", with: caption), gap: 4, font: font)
        return .image(try sheet.render(frames).materialised())
      }
    }
  }

  /// A strength as a short column label: 0, 0.25, 1.5.
  static func label(_ v: Float) -> String {
    let text = String(format: "%.3g", Double(v))
    return text
  }
}
