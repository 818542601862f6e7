import Foundation
import MorphCatalog
import XCTest

@testable import MorphServer

/// The catalog routes over a read-only connection, and faces found in uploaded photos.
final class ServeCatalogTests: XCTestCase {
  nonisolated(unsafe) static var shared: ServeFixture?

  func fixture() throws -> ServeFixture {
    if let shared = Self.shared { return shared }
    let made = try ServeFixture(withCatalog: true)
    Self.shared = made
    return made
  }

  override class func tearDown() {
    shared = nil
    super.tearDown()
  }

  func testQueryPagesThroughTheCatalog() async throws {
    let fx = try fixture()
    let first = try fx.decode(await fx.request("GET", "/api/catalog/query?q=&per_page=1&page=0"))
    XCTAssertEqual(first["total"] as? Int, 2)
    let images = try XCTUnwrap(first["images"] as? [[String: Any]])
    XCTAssertEqual(images.count, 1)
    XCTAssertEqual(images[0]["path"] as? String, "000001.jpg")
    let second = try fx.decode(await fx.request("GET", "/api/catalog/query?q=&per_page=1&page=1"))
    XCTAssertEqual((second["images"] as? [[String: Any]])?.first?["path"] as? String, "000002.jpg")
    let id = try XCTUnwrap(images[0]["id"] as? Int)
    let thumb = await fx.request("GET", "/api/catalog/images/\(id)/image")
    XCTAssertEqual(thumb.status, 200)
    XCTAssertEqual(thumb.contentType, "image/png")
  }

  func testBadCatalogRequestsAreA4xx() async throws {
    let fx = try fixture()
    let badQuery = await fx.request("GET", "/api/catalog/query?q=Smiling%20AND%20(")
    XCTAssertEqual(badQuery.status, 400, badQuery.errorMessage)
    let badPage = await fx.request("GET", "/api/catalog/query?q=&page=-1")
    XCTAssertEqual(badPage.status, 400)
    XCTAssertTrue(badPage.errorMessage.contains("`page` must be a whole number"), badPage.errorMessage)
    let unknownImage = await fx.request("GET", "/api/catalog/images/999999/image")
    XCTAssertEqual(unknownImage.status, 404, unknownImage.errorMessage)
    let unknownRun = await fx.request("GET", "/api/catalog/runs/424242")
    XCTAssertEqual(unknownRun.status, 404, unknownRun.errorMessage)
    let noLatents = await fx.request("GET", "/api/catalog/nearest?image=1&model=nothing")
    XCTAssertEqual(noLatents.status, 404, noLatents.errorMessage)
    let runs = await fx.request("GET", "/api/catalog/runs")
    XCTAssertEqual(runs.status, 200)
  }

  func testCatalogQueryAndPrototypeReferences() async throws {
    let fx = try fixture()
    // No stored latents yet: a query reference encodes its matches now and averages them.
    let query = try fx.decode(await fx.request("POST", "/api/references", json: #"{"kind":"query","query":"dataset = faces","n":2}"#))
    XCTAssertEqual(query["count"] as? Int, 2)
    let face = try fx.decode(await fx.request("POST", "/api/faces", json: #"{"source":"folder","name":"000001.jpg"}"#))
    let render = await fx.request(
      "POST", "/api/render", json: #"{"face":"\#(face["id"] as? String ?? "")","reference":"\#(query["id"] as? String ?? "")","strengths":{"expression":1}}"#)
    XCTAssertEqual(render.status, 200, render.errorMessage)
    // A prototype needs stored latents of a labelled set: a 422 that says how to get them.
    let prototype = await fx.request("POST", "/api/references", json: #"{"kind":"prototype","query":"Smiling"}"#)
    XCTAssertTrue((400..<500).contains(prototype.status), prototype.errorMessage)
    let badQuery = await fx.request("POST", "/api/references", json: #"{"kind":"query","query":"Smiling AND ("}"#)
    XCTAssertEqual(badQuery.status, 400, badQuery.errorMessage)
    let badN = await fx.request("POST", "/api/references", json: #"{"kind":"query","query":"dataset = faces","n":1000}"#)
    XCTAssertEqual(badN.status, 400, badN.errorMessage)
  }

  func testTheServersCatalogConnectionCannotWrite() throws {
    let fx = try fixture()
    let catalog = try Catalog.openForReading(at: fx.catalogURL)
    XCTAssertEqual(try catalog.query("").count, 2)
    XCTAssertThrowsError(try catalog.registerModel(ModelInfo(name: "x", kind: "homointerp"))) { error in
      XCTAssertTrue("\(error)".lowercased().contains("readonly"), "\(error)")
    }
  }

  func testFacesOfAnUploadedPhotoBecomeEditorFaces() async throws {
    let fx = try fixture()
    let photo = try Data(contentsOf: ServeFixture.packageRoot.appendingPathComponent("Fixtures/photos/grace_hopper.jpg"))
    let answer = try fx.decode(await fx.request("POST", "/api/photos", body: photo, contentType: "image/jpeg"))
    let faces = try XCTUnwrap(answer["faces"] as? [[String: Any]])
    XCTAssertGreaterThanOrEqual(faces.count, 1)
    XCTAssertEqual(faces[0]["source"] as? String, "detected")
    XCTAssertEqual((faces[0]["box"] as? [Double])?.count, 4)
    let id = try XCTUnwrap(faces[0]["id"] as? String)
    let image = await fx.request("GET", "/api/faces/\(id)/image")
    XCTAssertEqual(image.status, 200)
    // Kept under uploads/ by content hash, nowhere else.
    let kept = try FileManager.default.contentsOfDirectory(atPath: fx.output.appendingPathComponent("uploads").path)
    XCTAssertEqual(kept.count, 1)
    XCTAssertTrue(kept[0].hasSuffix(".jpg"))
    let neighbours = await fx.request("GET", "/api/catalog/nearest?face=\(id)")
    XCTAssertEqual(neighbours.status, 404, "the catalog has no latents yet: \(neighbours.errorMessage)")
  }
}
