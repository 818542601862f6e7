import Foundation
import MorphModels

/// `--strengths` of the eval commands: comma-separated finite numbers.
enum EvalStrengths {
  static func parse(_ text: String) throws -> [Double] {
    try text.split(separator: ",").map { field in
      guard let v = Double(field.trimmingCharacters(in: .whitespaces)), v.isFinite else {
        throw ToyFaceError.badOption("--strengths: '\(field)' is not a number")
      }
      return v
    }
  }
}
