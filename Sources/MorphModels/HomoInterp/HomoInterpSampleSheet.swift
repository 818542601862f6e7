import Foundation
import MorphImaging
import MorphTensor

/// The training sample sheet: one held-out source/reference pair, rows = attribute groups,
/// columns = strengths; a first row shows source, reference and their reconstructions.
public enum HomoInterpSampleSheet {
  public static let strengths: [Float] = [0, 0.25, 0.5, 0.75, 1]

  /// Renders the sheet for `source` and `reference` images [1, 3, S, S] (symmetric).
  public static func render(model: HomoInterpModel, source: Tensor, reference: Tensor, title: String) throws -> VipsImage {
    let groups = model.config.groups
    let fa = try model.encode(source), fb = try model.encode(reference)
    var rows: [Tensor] = [source, reference, try model.decode(fa), try model.decode(fb), source]
    for (g, _) in groups.enumerated() {
      for v in strengths {
        var s = [Float](repeating: 0, count: groups.count)
        s[g] = v
        rows.append(try model.decode(try model.interpolate(source: fa, reference: fb, strengths: s)))
      }
    }
    let all = Tensor.concat(rows, axis: 0)
    let buffer = try ImageBatchBuffer(shape: all.shape, data: all.scalars)
    var tiles: [VipsImage?] = try buffer.images(normalisation: .symmetric).map { Optional($0) }
    tiles[4] = nil
    let sheet = ContactSheet(
      rows: groups.count + 1, columns: strengths.count, rowLabels: ["a | b | D(E(a)) | D(E(b))"] + groups.map(\.name),
      columnLabels: strengths.map { String(format: "v = %.2g", $0) }, title: title)
    return try sheet.render(tiles)
  }
}

extension HomoInterpTrainer {
  /// The sample sheet of the current model on the first two held-out faces.
  public func sampleSheet() throws -> VipsImage {
    let pool = data.heldOut.count >= 2 ? data.heldOut : data.records
    let x = try data.images(Array(pool.prefix(2)), firstItem: 0, jittered: false)
    let was = model.isTraining
    model.eval()
    defer { model.train(was) }
    return try HomoInterpSampleSheet.render(
      model: model, source: x.narrow(axis: 0, start: 0, length: 1), reference: x.narrow(axis: 0, start: 1, length: 1),
      title: "step \(step)")
  }
}
