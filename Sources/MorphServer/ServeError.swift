import Foundation

/// A request the server refuses or cannot answer: an HTTP status and a message that says what
/// was wrong and what to do. Every handler error reaches the client as one of these (JSON
/// `{"error": message, "status": code}`); the server itself keeps serving.
public struct ServeError: Error, Sendable, Equatable, CustomStringConvertible {
  /// HTTP status code (4xx for the client's mistakes, 5xx for the server's).
  public var status: Int
  public var message: String

  public init(status: Int, _ message: String) {
    self.status = status
    self.message = message
  }

  public var description: String { "\(status): \(message)" }

  static func badRequest(_ message: String) -> ServeError { ServeError(status: 400, message) }
  static func notFound(_ message: String) -> ServeError { ServeError(status: 404, message) }
  static func methodNotAllowed(_ message: String) -> ServeError { ServeError(status: 405, message) }
  static func conflict(_ message: String) -> ServeError { ServeError(status: 409, message) }
  static func tooLarge(_ message: String) -> ServeError { ServeError(status: 413, message) }
  static func unsupportedMediaType(_ message: String) -> ServeError { ServeError(status: 415, message) }
  static func unprocessable(_ message: String) -> ServeError { ServeError(status: 422, message) }
  static func server(_ message: String) -> ServeError { ServeError(status: 500, message) }
}
