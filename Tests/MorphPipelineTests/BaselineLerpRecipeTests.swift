import Foundation
import MorphImaging
import MorphPipeline
import XCTest

/// `pipelines/baseline-lerp.yaml`: the plain latent-lerp baseline and HomoInterp side by side.
extension HomoInterpRecipeTests {
  func testBaselineLerpDrawsBothMethodsAndTheyDiffer() async throws {
    try copyFaces(2)
    let checkpoint = try makeCheckpoint()
    let report = try await run(
      "baseline-lerp.yaml",
      ["input=faces", "count=1", "reference=faces/000002.jpg", "checkpoint=\(checkpoint)", "size=32",
       "strengths=0, 0.5, 1", "output=out/b"])
    XCTAssertEqual(report.status, .succeeded, report.summary)
    let lerp = try image("out/b/latent-lerp/000001.png")
    let homo = try image("out/b/homointerp/000001.png")
    XCTAssertEqual(lerp.width, homo.width)
    XCTAssertEqual(lerp.height, homo.height)
    // Same faces, same checkpoint, same strengths: only the interpolation differs (an untrained
    // interpolator's branches are not the identity), so the sheets must differ.
    XCTAssertNotEqual(try lerp.pixels(), try homo.pixels())
  }

  func testAnUnknownMethodIsAValidationError() async throws {
    let checkpoint = try makeCheckpoint()
    do {
      _ = try await run("baseline-lerp.yaml", ["checkpoint=\(checkpoint)", "lerp.method=pixel"])
      XCTFail("an unknown method must be refused")
    } catch {
      XCTAssertTrue("\(error)".contains("method"), "\(error)")
      XCTAssertTrue("\(error)".contains("latent-lerp"), "\(error)")
    }
  }
}
