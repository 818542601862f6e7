import Foundation

// MARK: - Request

/// One HTTP request as the API sees it, with no socket behind it: what the Hummingbird adapter
/// hands over, and what tests build directly.
public struct APIRequest: Sendable {
  public var method: String
  /// The path as received (still percent-encoded), without the query.
  public var rawPath: String
  /// Query parameters, percent-decoded (the last one wins when a name repeats).
  public var query: [String: String]
  /// The media type of the body, without parameters (`application/json`, `image/jpeg`).
  public var contentType: String?
  public var body: Data
  /// The `Host` the client addressed (`127.0.0.1:8080`), when it said.
  public var host: String?

  /// `target` is the request target (`/api/render?x=1`).
  public init(method: String, target: String, contentType: String? = nil, body: Data = Data(), host: String? = nil) {
    self.method = method.uppercased()
    self.host = host
    let parts = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
    rawPath = parts.isEmpty ? "/" : String(parts[0])
    query = parts.count > 1 ? Self.parseQuery(String(parts[1])) : [:]
    self.contentType = contentType.map {
      $0.split(separator: ";").first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
    }
    self.body = body
  }

  /// The path's components, each percent-decoded. A component that decodes to something a file
  /// name must not hold (`..`, `.`, a slash, a backslash, a NUL) is refused here, so no handler
  /// ever sees one, however it was encoded (`%2e%2e`, `%2F`, `..%5c`).
  public func pathComponents() throws -> [String] {
    let raw = rawPath.split(separator: "/", omittingEmptySubsequences: true).map(String.init)
    return try raw.map { part in
      guard let decoded = part.removingPercentEncoding else {
        throw ServeError.badRequest("path component `\(part)` is not valid percent-encoding")
      }
      if decoded == "." || decoded == ".." || decoded.contains("/") || decoded.contains("\\") || decoded.contains("\0") {
        throw ServeError.badRequest(
          "path component `\(part)` is not allowed: requests name files by their listed names, never by a path")
      }
      return decoded
    }
  }

  static func parseQuery(_ text: String) -> [String: String] {
    var out: [String: String] = [:]
    for pair in text.split(separator: "&") {
      let kv = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
      func decode(_ s: Substring) -> String {
        let plus = s.replacingOccurrences(of: "+", with: " ")
        return plus.removingPercentEncoding ?? plus
      }
      guard let key = kv.first.map(decode), !key.isEmpty else { continue }
      out[key] = kv.count > 1 ? decode(kv[1]) : ""
    }
    return out
  }

  /// The JSON body decoded as `T`; a wrong media type or malformed JSON is a 4xx naming the problem.
  func decodeJSON<T: Decodable>(_ type: T.Type, limit: Int) throws -> T {
    guard contentType == "application/json" else {
      throw ServeError.unsupportedMediaType(
        "send the body as JSON with `Content-Type: application/json` (got \(contentType.map { "`\($0)`" } ?? "none"))")
    }
    guard body.count <= limit else {
      throw ServeError.tooLarge("a JSON body may hold at most \(limit) bytes, this one has \(body.count)")
    }
    do {
      return try JSONDecoder().decode(T.self, from: body)
    } catch let error as DecodingError {
      throw ServeError.badRequest("malformed JSON: \(Self.describe(error))")
    } catch {
      throw ServeError.badRequest("malformed JSON: \(error)")
    }
  }

  /// A decoding error in one line: what was wrong, and where.
  static func describe(_ error: DecodingError) -> String {
    func at(_ path: [any CodingKey]) -> String {
      path.isEmpty ? "" : " at `" + path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".") + "`"
    }
    switch error {
    case .dataCorrupted(let c):
      let underlying = (c.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
      return (underlying ?? c.debugDescription) + at(c.codingPath)
    case .keyNotFound(let key, let c): return "missing key `\(key.stringValue)`" + at(c.codingPath)
    case .typeMismatch(let type, let c): return "expected \(type)" + at(c.codingPath)
    case .valueNotFound(let type, let c): return "expected \(type), found null" + at(c.codingPath)
    @unknown default: return "\(error)"
    }
  }
}

// MARK: - Response

/// One HTTP response: status, media type and body bytes.
public struct APIResponse: Sendable {
  public var status: Int
  public var contentType: String
  public var body: Data
  /// Extra headers (`Cache-Control`, `Content-Disposition`).
  public var headers: [String: String]

  public init(status: Int = 200, contentType: String, body: Data, headers: [String: String] = [:]) {
    self.status = status
    self.contentType = contentType
    self.body = body
    self.headers = headers
  }

  static func json<T: Encodable>(_ value: T, status: Int = 200) -> APIResponse {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    encoder.dateEncodingStrategy = .iso8601
    do {
      return APIResponse(status: status, contentType: "application/json", body: try encoder.encode(value))
    } catch {
      return .error(.server("cannot encode the answer as JSON: \(error)"))
    }
  }

  static func error(_ error: ServeError) -> APIResponse {
    struct Body: Encodable {
      var error: String
      var status: Int
    }
    let data = (try? JSONEncoder().encode(Body(error: error.message, status: error.status))) ?? Data()
    return APIResponse(status: error.status, contentType: "application/json", body: data, headers: ["Cache-Control": "no-store"])
  }

  static func png(_ data: Data) -> APIResponse {
    APIResponse(contentType: "image/png", body: data, headers: ["Cache-Control": "no-store"])
  }

  static func text(_ text: String, contentType: String) -> APIResponse {
    APIResponse(contentType: contentType, body: Data(text.utf8), headers: ["Cache-Control": "no-cache"])
  }
}
