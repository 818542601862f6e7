import Foundation
import MorphTensor

extension CalibrationJudge {
  /// The oracle on the decoded edit, pasted into its face's CelebA-layout frame (the oracle
  /// reads whole frames): `frames[i]` is face `i`'s photo. Its readings (regressed attribute
  /// parameters) are clamped to [0, 1].
  public static func oracle(_ oracle: AttributeOracle, model: HomoInterpModel, frames: [EvalImage], batch: Int = 16) -> CalibrationJudge {
    CalibrationJudge(name: "oracle \(oracle.name)", attributes: ToyFaceAttribute.allCases.map(\.rawValue)) { latents, faces in
      var images: [EvalImage] = []
      images.reserveCapacity(faces.count)
      var start = 0
      while start < faces.count {
        let count = min(batch, faces.count - start)
        let decoded = try model.decode(latents.narrow(axis: 0, start: start, length: count))
        for k in 0..<count {
          let face = faces[start + k]
          guard frames.indices.contains(face) else {
            throw HomoInterpError.badShape(operation: "oracle judge", expected: "a frame per face (\(frames.count))", found: [face])
          }
          images.append(try HomoInterpEvalMethod.paste(decoded.narrow(axis: 0, start: k, length: 1), into: frames[face]))
        }
        start += count
      }
      return try oracle.predict(images).map { $0.scores.map { min(max($0, 0), 1) } }
    }
  }
}
