import Foundation
import MorphImaging
import MorphModels
import MorphPipeline
import MorphTensor
import XCTest

@testable import MorphServer

/// The API's handlers, called without a socket: what a slider move returns, and how every bad
/// request is refused with a 4xx and a message while the server goes on serving.
final class ServeAPITests: XCTestCase {
  nonisolated(unsafe) static var shared: ServeFixture?

  func fixture() throws -> ServeFixture {
    if let shared = Self.shared { return shared }
    let made = try ServeFixture()
    Self.shared = made
    return made
  }

  override class func tearDown() {
    shared = nil
    super.tearDown()
  }

  /// After any refusal the server still answers, and still renders.
  func assertStillServing(_ fx: ServeFixture, file: StaticString = #filePath, line: UInt = #line) async throws {
    let info = await fx.request("GET", "/api/info")
    XCTAssertEqual(info.status, 200, file: file, line: line)
    let (face, reference) = try await fx.faceAndReference()
    let render = await fx.request("POST", "/api/render", json: #"{"face":"\#(face)","reference":"\#(reference)","strengths":{"expression":1}}"#)
    XCTAssertEqual(render.status, 200, render.errorMessage, file: file, line: line)
    XCTAssertEqual(render.contentType, "image/png", file: file, line: line)
  }

  // MARK: - Slider moves

  func testRenderAtZeroStrengthIsTheReconstructionAndMovesWithTheSlider() async throws {
    let fx = try fixture()
    let (face, reference) = try await fx.faceAndReference()
    let zero = await fx.request("POST", "/api/render", json: #"{"face":"\#(face)","reference":"\#(reference)"}"#)
    let moved = await fx.request("POST", "/api/render", json: #"{"face":"\#(face)","reference":"\#(reference)","strengths":{"expression":1.5,"age":0.5}}"#)
    XCTAssertEqual(zero.status, 200, zero.errorMessage)
    XCTAssertEqual(moved.status, 200, moved.errorMessage)
    let zeroPixels = try pixels(zero.body), movedPixels = try pixels(moved.body)
    XCTAssertEqual(zeroPixels.count, 64 * 64 * 3)
    XCTAssertNotEqual(zeroPixels, movedPixels, "moving a slider must change the image")

    // Every strength 0 leaves the latent as it is: the image is decode(encode(face)).
    let model = try HomoInterpModel.load(from: ServeFixture.packageRoot.appendingPathComponent("Fixtures/models/homointerp-demo.safetensors"))
    let image = try Align.aligned(
      ImageLoader().load(fx.faces.appendingPathComponent("000001.jpg")), mode: .celebaCrop, size: 64, file: nil)
    let decoded = try model.decode(try model.encode(HomoInterpFrames.imageTensor([image])))
    XCTAssertEqual(zeroPixels, try HomoInterpFrames.strip(decoded, first: 0, count: 1).pixels())
  }

  func testConcurrentRendersShareTheModelSafely() async throws {
    let fx = try fixture()
    let (face, reference) = try await fx.faceAndReference()
    let bodies = (0..<12).map { k in #"{"face":"\#(face)","reference":"\#(reference)","strengths":{"expression":\#(Double(k % 3) / 2)}}"# }
    let answers = await withTaskGroup(of: (Int, Data).self) { group in
      for (k, body) in bodies.enumerated() {
        group.addTask { (k, await fx.request("POST", "/api/render", json: body).body) }
      }
      var out: [Int: Data] = [:]
      for await (k, data) in group { out[k] = data }
      return out
    }
    // The same strengths give the same bytes whatever ran beside them.
    for k in 3..<12 { XCTAssertEqual(answers[k], answers[k % 3], "render \(k)") }
    XCTAssertNotEqual(answers[0], answers[2])
  }

  // MARK: - Bad requests

  func testUnknownFaceIDIsA404NamingIt() async throws {
    let fx = try fixture()
    let (_, reference) = try await fx.faceAndReference()
    let answer = await fx.request("POST", "/api/render", json: #"{"face":"f999","reference":"\#(reference)"}"#)
    XCTAssertEqual(answer.status, 404)
    XCTAssertTrue(answer.errorMessage.contains("unknown face id `f999`"), answer.errorMessage)
    let image = await fx.request("GET", "/api/faces/nope/image")
    XCTAssertEqual(image.status, 404)
    let reference404 = await fx.request("POST", "/api/references", json: #"{"kind":"face","face":"f12345"}"#)
    XCTAssertEqual(reference404.status, 404)
    try await assertStillServing(fx)
  }

  func testMalformedJSONIsA400() async throws {
    let fx = try fixture()
    for body in [#"{"face": "#, "not json", #"{"face": 1, "reference": "r1"}"#, #"{"reference":"r1"}"#, #"{"face":"f1","reference":"r1","strengths":{"expression":"high"}}"#, ""] {
      let answer = await fx.request("POST", "/api/render", json: body)
      XCTAssertEqual(answer.status, 400, "body \(body)")
      XCTAssertTrue(answer.errorMessage.hasPrefix("malformed JSON"), answer.errorMessage)
    }
    let wrongType = await fx.request("POST", "/api/render", json: nil, body: Data("{}".utf8), contentType: "text/plain")
    XCTAssertEqual(wrongType.status, 415)
    XCTAssertTrue(wrongType.errorMessage.contains("application/json"), wrongType.errorMessage)
    let huge = await fx.request("POST", "/api/render", json: "{\"face\":\"" + String(repeating: "x", count: 100_000) + "\"}")
    XCTAssertEqual(huge.status, 413)
    try await assertStillServing(fx)
  }

  func testStrengthsOutOfRangeAreA400() async throws {
    let fx = try fixture()
    let (face, reference) = try await fx.faceAndReference()
    let cases: [(String, String)] = [
      (#""strengths":{"expression":2.5}"#, "strength of `expression` is 2.5, outside 0…2"),
      (#""strengths":{"age":-0.1}"#, "strength of `age` is -0.1, outside 0…2"),
      (#""strengths":{"expression":1e300}"#, "outside 0…2"),
      (#""residual":7"#, "residual strength is 7.0, outside 0…2"),
      (#""strengths":{"smile":1}"#, "no attribute group `smile`"),
    ]
    for (fields, message) in cases {
      for route in ["/api/render", "/api/save", "/api/command"] {
        let answer = await fx.request("POST", route, json: #"{"face":"\#(face)","reference":"\#(reference)",\#(fields)}"#)
        XCTAssertEqual(answer.status, 400, "\(route) \(fields)")
        XCTAssertTrue(answer.errorMessage.contains(message), "\(route): \(answer.errorMessage)")
      }
    }
    let sweep = await fx.request("POST", "/api/save", json: #"{"face":"\#(face)","reference":"\#(reference)","kind":"sweep","sweep":[0,3]}"#)
    XCTAssertEqual(sweep.status, 400)
    let frames = await fx.request("POST", "/api/save", json: #"{"face":"\#(face)","reference":"\#(reference)","kind":"gif","frames":1000}"#)
    XCTAssertEqual(frames.status, 400)
    try await assertStillServing(fx)
  }

  func testAHundredMegabyteUploadIsA413() async throws {
    let fx = try fixture()
    var bytes = Data(count: 100 << 20)
    bytes[0] = 0xFF; bytes[1] = 0xD8; bytes[2] = 0xFF
    let answer = await fx.request("POST", "/api/photos?align=centre-crop", body: bytes, contentType: "image/jpeg")
    XCTAssertEqual(answer.status, 413)
    XCTAssertTrue(answer.errorMessage.contains("more than the 20 MB limit"), answer.errorMessage)
    XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: fx.output.appendingPathComponent("uploads").path), [], "nothing is kept")
    try await assertStillServing(fx)
  }

  func testUploadsThatAreNoImageOrBrokenAreRefused() async throws {
    let fx = try fixture()
    let text = await fx.request("POST", "/api/photos", body: Data("#!/bin/sh\nrm -rf /\n".utf8), contentType: "image/png")
    XCTAssertEqual(text.status, 415)
    let jpeg = try Data(contentsOf: ServeFixture.packageRoot.appendingPathComponent("Fixtures/photos/grace_hopper.jpg"))
    let truncated = await fx.request("POST", "/api/photos?align=centre-crop", body: jpeg.prefix(jpeg.count / 3), contentType: "image/jpeg")
    XCTAssertEqual(truncated.status, 422, truncated.errorMessage)
    XCTAssertTrue(truncated.errorMessage.contains("cannot use the upload as an image"), truncated.errorMessage)
    let wrongType = await fx.request("POST", "/api/photos", body: jpeg, contentType: "application/json")
    XCTAssertEqual(wrongType.status, 415)
    try await assertStillServing(fx)
  }

  /// Phones store photos as HEIC: an upload of one is kept as `.heic` and decoded; an SVG is
  /// refused by its first bytes.
  func testHEICUploadsAreAcceptedAndSVGIsNot() async throws {
    let fx = try fixture()
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("heic-\(UUID().uuidString).heic")
    defer { try? FileManager.default.removeItem(at: scratch) }
    try ImageLoader().load(ServeFixture.packageRoot.appendingPathComponent("Fixtures/photos/grace_hopper.jpg")).save(to: scratch)
    let answer = try fx.decode(
      await fx.request("POST", "/api/photos?align=centre-crop", body: try Data(contentsOf: scratch), contentType: "image/heic"))
    XCTAssertEqual(answer["width"] as? Int, 512)
    XCTAssertEqual(answer["height"] as? Int, 600)
    XCTAssertTrue((answer["file"] as? String)?.hasSuffix(".heic") == true, "\(answer)")
    let svg = #"<svg xmlns="http://www.w3.org/2000/svg" width="9" height="9"/>"#
    let refused = await fx.request("POST", "/api/photos", body: Data(svg.utf8), contentType: "image/svg+xml")
    XCTAssertEqual(refused.status, 415, refused.errorMessage)
  }

  func testPathTraversalIsRefusedHoweverItIsEncoded() async throws {
    let fx = try fixture()
    let attempts = [
      "/api/files/../../etc/passwd", "/api/files/..%2F..%2Fetc%2Fpasswd", "/api/files/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
      "/api/files/%2E%2E", "/api/files/..%5c..%5cetc%5cpasswd", "/api/files/%252e%252e%252fetc%252fpasswd",
      "/api/files/passwd%00.png", "/api/files/.hidden", "/api/files/%2Fetc%2Fpasswd",
      "/assets/..%2f..%2fPackage.swift", "/assets/../Package.swift",
      "/api/faces/folder/..%2F..%2F..%2Fetc%2Fpasswd/image", "/api/faces/folder/../000001.jpg/image",
      "/api/faces/folder/%2Fetc%2Fpasswd/image", "/api/catalog/runs/1/artifacts/..%2f..",
      "/..%2f..%2f..%2fetc%2fpasswd", "/api/files/uploads",
    ]
    for target in attempts {
      let answer = await fx.request("GET", target)
      XCTAssertTrue((400..<500).contains(answer.status), "\(target) gave \(answer.status)")
      XCTAssertFalse(String(decoding: answer.body, as: UTF8.self).contains("root:"), target)
      XCTAssertFalse(answer.errorMessage.isEmpty, target)
    }
    let encoded = await fx.request("GET", "/api/files/..%2F..%2Fetc%2Fpasswd")
    XCTAssertTrue(encoded.errorMessage.contains("not allowed"), encoded.errorMessage)
    // Names the faces folder does not list are unknown, even when the file exists elsewhere.
    let outside = await fx.request("POST", "/api/faces", json: #"{"source":"folder","name":"../faces/000001.jpg"}"#)
    XCTAssertEqual(outside.status, 404, outside.errorMessage)
    try await assertStillServing(fx)
  }

  func testRequestsForAnotherHostAreRefused() async throws {
    let fx = try fixture()
    let rebound = await fx.request("GET", "/api/info", host: "attacker.example:8080")
    XCTAssertEqual(rebound.status, 403)
    for host in ["127.0.0.1:8080", "localhost", "[::1]:9000"] {
      let answer = await fx.request("GET", "/api/info", host: host)
      XCTAssertEqual(answer.status, 200, host)
    }
  }

  // MARK: - Saving and the command line

  func testSavesLandInTheOutputFolderAndAreServedBack() async throws {
    let fx = try fixture()
    let (face, reference) = try await fx.faceAndReference()
    for kind in ["edit", "sweep", "gif", "webp"] {
      let answer = try fx.decode(
        await fx.request("POST", "/api/save", json: #"{"face":"\#(face)","reference":"\#(reference)","strengths":{"expression":0.8},"kind":"\#(kind)","frames":4}"#))
      let name = try XCTUnwrap(answer["file"] as? String)
      XCTAssertEqual(URL(fileURLWithPath: try XCTUnwrap(answer["path"] as? String)).deletingLastPathComponent().standardizedFileURL.path, fx.output.standardizedFileURL.path)
      let served = await fx.request("GET", "/api/files/\(name)")
      XCTAssertEqual(served.status, 200, name)
      XCTAssertEqual(served.contentType, ["edit": "image/png", "sweep": "image/png", "gif": "image/gif", "webp": "image/webp"][kind])
      XCTAssertGreaterThan(served.body.count, 100)
    }
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: fx.output.path).filter { $0.hasPrefix(".") }
    XCTAssertEqual(leftovers, [])
  }

  func testCommandNamesTheFaceTheReferenceAndEveryStrength() async throws {
    let fx = try fixture()
    let (face, reference) = try await fx.faceAndReference()
    let answer = try fx.decode(
      await fx.request("POST", "/api/command", json: #"{"face":"\#(face)","reference":"\#(reference)","strengths":{"expression":0.35,"hair_color":1}}"#))
    let arguments = try XCTUnwrap(answer["arguments"] as? [String])
    XCTAssertEqual(Array(arguments.prefix(3)), ["morph", "run", "pipelines/translate-folder.yaml"])
    for expected in [
      "input=\(fx.faces.standardizedFileURL.path)", "mode=celeba-crop", "reference=\(fx.faces.appendingPathComponent("000002.jpg").path)",
      "strength.expression=0.35", "strength.hair_color=1.0", "strength.age=0.0",
    ] {
      XCTAssertTrue(arguments.contains(expected), "\(expected) in \(arguments)")
    }
    XCTAssertEqual(answer["edited"] as? String, "edited/000001.png")
  }
}

/// The pixels of a PNG, through the pipeline's loader.
func pixels(_ png: Data) throws -> [UInt8] {
  let file = FileManager.default.temporaryDirectory.appendingPathComponent("serve-\(UUID().uuidString).png")
  try png.write(to: file)
  defer { try? FileManager.default.removeItem(at: file) }
  return try ImageLoader().load(file).pixels()
}
