import Foundation

/// Errors reading or writing a synthetic face set.
public enum ToyFaceError: Error, CustomStringConvertible, Equatable {
  /// A line of a text file (parameters, pairs) could not be understood.
  case badLine(file: String, line: Int, message: String)
  /// A face name that the set's `params.csv` does not list.
  case unknownFace(file: String, line: Int, name: String)
  /// A group name that is not one of the modelled attribute groups.
  case unknownGroup(file: String, line: Int, name: String)
  /// An option value outside what the renderer supports.
  case badOption(String)

  public var description: String {
    switch self {
    case .badLine(let file, let line, let message): return "\(file):\(line): \(message)"
    case .unknownFace(let file, let line, let name): return "\(file):\(line): no face named '\(name)' in the set"
    case .unknownGroup(let file, let line, let name):
      let known = ToyFaceAttribute.modelledGroups.map(\.name).joined(separator: ", ")
      return "\(file):\(line): unknown attribute group '\(name)' (known: \(known))"
    case .badOption(let message): return message
    }
  }
}
