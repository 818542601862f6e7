import Foundation
import Hummingbird

/// The thin HTTP side of `morph serve`: Hummingbird 2 accepts connections, and each request's
/// method, target, media type and (bounded) body go to `ServeAPI.handle`, whose answer goes
/// back as it is. No rule lives here except the one that must run before a body is read: an
/// upload larger than the limit is refused from its `Content-Length` (or as soon as a chunked
/// body passes the limit), so a 100 MB upload costs no more than the limit in memory.
public enum ServeHTTP {
  /// Serves `api` on `host:port` until the process is interrupted; `port` 0 lets the system
  /// choose. `started` is called with the URL once the socket listens.
  public static func run(
    api: ServeAPI, host: String, port: Int, started: @escaping @Sendable (String) -> Void
  ) async throws {
    let limit = max(api.configuration.maxUploadBytes, api.configuration.maxJSONBytes)
    let responder = CallbackResponder<BasicRequestContext> { request, _ in
      await respond(api, request, limit: limit)
    }
    let app = Application(
      responder: responder,
      configuration: ApplicationConfiguration(address: .hostname(host, port: port), serverName: "morph"),
      onServerRunning: { channel in
        let bound = channel.localAddress?.port ?? port
        let shown = host.contains(":") ? "[\(host)]" : host
        started("http://\(shown):\(bound)/")
      })
    try await app.runService()
  }

  static func respond(_ server: ServeAPI, _ request: Request, limit: Int) async -> Response {
    var request = request
    let declared = request.headers[.contentLength].flatMap { Int($0) }
    if let declared, declared > limit {
      return response(.error(.tooLarge(ServeAPI.tooLargeMessage(declared, limit: limit))))
    }
    let body: Data
    do {
      var buffer = try await request.collectBody(upTo: limit)
      body = Data(buffer.readBytes(length: buffer.readableBytes) ?? [])
    } catch {
      return response(.error(.tooLarge("the body is over the \(limit / (1 << 20)) MB limit (or broke off): \(error)")))
    }
    let target = request.uri.query.map { "\(request.uri.path)?\($0)" } ?? request.uri.path
    let message = APIRequest(
      method: request.method.rawValue, target: target, contentType: request.headers[.contentType], body: body,
      host: request.head.authority)
    return response(await server.handle(message))
  }

  static func response(_ answer: APIResponse) -> Response {
    var headers = HTTPFields()
    headers[.contentType] = answer.contentType
    headers[.contentLength] = String(answer.body.count)
    // The pages load nothing from elsewhere; say so to the browser too.
    headers[.contentSecurityPolicy] = "default-src 'self'; img-src 'self' blob: data:; style-src 'self'; script-src 'self'"
    headers[.xContentTypeOptions] = "nosniff"
    for (name, value) in answer.headers {
      switch name {
      case "Cache-Control": headers[.cacheControl] = value
      case "Content-Disposition": headers[.contentDisposition] = value
      default: break
      }
    }
    var buffer = ByteBuffer()
    buffer.writeBytes(answer.body)
    return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: ResponseBody(byteBuffer: buffer))
  }
}
