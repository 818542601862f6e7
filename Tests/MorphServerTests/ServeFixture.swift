import Foundation
import MorphCatalog
import XCTest

@testable import MorphServer

/// One server for the tests of a class: the demo checkpoint, two CelebA faces in a temporary
/// faces folder, a temporary output folder, and (when asked) a catalog of those faces.
final class ServeFixture: @unchecked Sendable {
  let root: URL
  let faces: URL
  let output: URL
  let catalogURL: URL
  let api: ServeAPI

  static var packageRoot: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
  }

  init(withCatalog: Bool = false, maxUploadBytes: Int = ServeConfiguration.defaultMaxUploadBytes) throws {
    let fm = FileManager.default
    root = fm.temporaryDirectory.appendingPathComponent("morph-serve-\(UUID().uuidString)")
    faces = root.appendingPathComponent("faces")
    output = root.appendingPathComponent("out")
    catalogURL = root.appendingPathComponent("catalog.sqlite")
    try fm.createDirectory(at: faces, withIntermediateDirectories: true)
    let celeba = Self.packageRoot.appendingPathComponent("Fixtures/faces/img_align_celeba")
    for name in ["000001.jpg", "000002.jpg"] {
      try fm.copyItem(at: celeba.appendingPathComponent(name), to: faces.appendingPathComponent(name))
    }
    if withCatalog {
      let catalog = try Catalog.open(at: catalogURL)
      _ = try catalog.ingestFolder(at: faces, attributesCSV: nil, name: "faces")
    }
    api = try ServeAPI(
      configuration: ServeConfiguration(
        checkpoint: Self.packageRoot.appendingPathComponent("Fixtures/models/homointerp-demo.safetensors"),
        catalog: catalogURL, facesFolder: faces,
        detectorWeights: Self.packageRoot.appendingPathComponent("Fixtures/models/mtcnn.safetensors"), outputFolder: output,
        maxUploadBytes: maxUploadBytes))
  }

  deinit { try? FileManager.default.removeItem(at: root) }

  func request(
    _ method: String, _ target: String, json: String? = nil, body: Data? = nil, contentType: String? = nil, host: String? = nil
  ) async -> APIResponse {
    let type = contentType ?? (json != nil ? "application/json" : nil)
    return await api.handle(
      APIRequest(method: method, target: target, contentType: type, body: body ?? Data((json ?? "").utf8), host: host))
  }

  /// Adds face 000001.jpg and face 000002.jpg as its reference; returns (face id, reference id).
  func faceAndReference() async throws -> (String, String) {
    let face = try decode(await request("POST", "/api/faces", json: #"{"source":"folder","name":"000001.jpg"}"#))
    let other = try decode(await request("POST", "/api/faces", json: #"{"source":"folder","name":"000002.jpg"}"#))
    let otherID = try XCTUnwrap(other["id"] as? String)
    let reference = try decode(await request("POST", "/api/references", json: #"{"kind":"face","face":"\#(otherID)"}"#))
    return (try XCTUnwrap(face["id"] as? String), try XCTUnwrap(reference["id"] as? String))
  }

  /// The JSON object of a 2xx answer (fails the test with the server's message otherwise).
  func decode(_ response: APIResponse, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    XCTAssertTrue((200..<300).contains(response.status), "\(response.status): \(String(decoding: response.body, as: UTF8.self))", file: file, line: line)
    return try XCTUnwrap(try JSONSerialization.jsonObject(with: response.body) as? [String: Any], file: file, line: line)
  }
}

extension APIResponse {
  /// The `error` message of an error answer.
  var errorMessage: String {
    ((try? JSONSerialization.jsonObject(with: body)) as? [String: Any])?["error"] as? String ?? String(decoding: body, as: UTF8.self)
  }
}
