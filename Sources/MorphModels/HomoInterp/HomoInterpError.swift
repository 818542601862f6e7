/// Errors of the HomoInterp model, its checkpoints and its training, each naming what was
/// expected and what was given (or the file and key at fault).
public enum HomoInterpError: Error, CustomStringConvertible, Equatable {
  /// A tensor handed to the model has the wrong shape.
  case badShape(operation: String, expected: String, found: [Int])
  /// A strength list has the wrong length or an out-of-range value.
  case badStrengths(expected: Int, found: [Float])
  /// A configuration that cannot build a model.
  case badConfig(String)
  /// A checkpoint or its metadata cannot be used.
  case badCheckpoint(file: String, message: String)
  /// A training option or data problem.
  case badTraining(String)
  /// A loss became NaN or infinite.
  case nonFinite(step: Int, loss: String, lastCheckpoint: String?)

  public var description: String {
    switch self {
    case .badShape(let op, let expected, let found): return "\(op): expected \(expected), got shape \(found)"
    case .badStrengths(let expected, let found):
      return "strengths: expected \(expected) values in 0...2 (one per attribute group), got \(found)"
    case .badConfig(let message): return "HomoInterp configuration: \(message)"
    case .badCheckpoint(let file, let message): return "\(file): \(message)"
    case .badTraining(let message): return "homointerp training: \(message)"
    case .nonFinite(let step, let loss, let last):
      return "step \(step): loss '\(loss)' is NaN or infinite; training stopped. "
        + (last.map { "The last good checkpoint is \($0)." } ?? "No checkpoint was written yet.")
    }
  }
}
