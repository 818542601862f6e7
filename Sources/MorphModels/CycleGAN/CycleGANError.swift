import Foundation

/// Errors of CycleGAN configuration, data, training and checkpoints, naming what was wrong.
public enum CycleGANError: Error, CustomStringConvertible, Equatable {
  /// A configuration or option value that cannot work.
  case badConfig(String)
  /// Training data that cannot be used (empty domain, unreadable image).
  case badData(String)
  /// A checkpoint that cannot be read or does not fit.
  case badCheckpoint(file: String, message: String)
  /// An input tensor of the wrong shape.
  case badInput(String)
  /// A loss became NaN or infinite: training stops instead of writing a broken checkpoint.
  case nonFinite(step: Int, loss: String, value: Float)

  public var description: String {
    switch self {
    case .badConfig(let message): return "cyclegan config: \(message)"
    case .badData(let message): return "cyclegan data: \(message)"
    case .badCheckpoint(let file, let message): return "\(file): \(message)"
    case .badInput(let message): return "cyclegan: \(message)"
    case .nonFinite(let step, let loss, let value):
      return "cyclegan training stopped at step \(step): loss '\(loss)' is \(value) (lower --lr or check the data)"
    }
  }
}
