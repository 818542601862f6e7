import Foundation
import MorphImaging

/// `before-after`: a contact sheet per photo, the photo as it was beside its edited version
/// (the output of `paste`), both scaled to fit `max_side`.
enum BeforeAfterStage {
  static let descriptor = StageDescriptor(
    name: "before-after", summary: "A before/after sheet per edited photo: the original file beside the edit.",
    shape: .map, input: .images, output: .images,
    parameters: [
      ParameterSpec(
        "max_side", .int, default: .int(768), "Longest side of each of the two pictures on the sheet.",
        range: .integers(16...8192)),
      PhotoRereading.maxPixels,
    ],
    cacheable: false, concurrency: 2
  ) { context in
    let maxSide = context.int("max_side")
    let loader = PhotoRereading.loader(context)
    return .map { items in
      eachItem(items) { item in
        let after = try item.image(in: context.stageID)
        guard let file = item.origin else {
          throw PipelineError.item(stage: context.stageID, item: item.id, message: "has no photo file to show as `before`")
        }
        let before: VipsImage
        do { before = try loader.load(file) } catch {
          throw PipelineError.item(stage: context.stageID, item: item.id, message: "cannot read the photo again: \(error)")
        }
        let sheet = ContactSheet(rows: 1, columns: 2, columnLabels: ["before", "after"], title: item.id)
        return .image(try sheet.render([try fitted(before, maxSide), try fitted(after, maxSide)]))
      }
    }
  }

  /// `image` scaled down (never up) so its longer side is at most `side`.
  static func fitted(_ image: VipsImage, _ side: Int) throws -> VipsImage {
    let longer = max(image.width, image.height)
    guard longer > side else { return image }
    let scale = Double(side) / Double(longer)
    return try image.resized(
      width: max(1, Int((Double(image.width) * scale).rounded())), height: max(1, Int((Double(image.height) * scale).rounded())))
  }
}
