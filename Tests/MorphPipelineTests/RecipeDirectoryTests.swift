import Foundation
import MorphPipeline
import XCTest

/// `${recipe_dir}`: recipe defaults that point at files beside the recipe work from any
/// working directory; overrides stay relative to the working directory.
final class RecipeDirectoryTests: XCTestCase {
  let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  func testShippedRecipeRunsFromAnotherDirectory() async throws {
    let elsewhere = temporaryFolder(self)
    let graph = try PipelineRun.load(root.appendingPathComponent("pipelines/demo.yaml"), overrides: [])
    let report = try await PipelineRun(graph: graph, baseDirectory: elsewhere, morphVersion: "test").run()
    XCTAssertEqual(report.status, .succeeded, report.summary)
    XCTAssertTrue(FileManager.default.fileExists(atPath: elsewhere.appendingPathComponent("out/demo/sheet.png").path))
  }

  func testRecipeDirectoryExpandsInDefaultsAndStageValues() throws {
    let folder = temporaryFolder(self)
    let recipe = folder.appendingPathComponent("sub/r.yaml")
    try FileManager.default.createDirectory(at: recipe.deletingLastPathComponent(), withIntermediateDirectories: true)
    try """
      params: { input: "${recipe_dir}/faces", size: 8 }
      stages:
        - { id: faces, uses: load, with: { folder: "${params.input}" } }
        - { id: crop, uses: align, from: faces, with: { size: "${params.size}" } }
        - { id: out, uses: save, from: crop, with: { folder: "${recipe_dir}/out" } }
      """.write(to: recipe, atomically: true, encoding: .utf8)
    let graph = try PipelineRun.load(recipe, overrides: [])
    let dir = recipe.deletingLastPathComponent().standardizedFileURL.path
    XCTAssertEqual(graph.stage("faces")?.parameters["folder"], .path(dir + "/faces"))
    XCTAssertEqual(graph.stage("out")?.parameters["folder"], .path(dir + "/out"))
    let overridden = try PipelineRun.load(recipe, overrides: ["input=mine"])
    XCTAssertEqual(overridden.stage("faces")?.parameters["folder"], .path("mine"))
    try "stages:\n  - { id: f, uses: load, with: { folder: \"${recipe_directory}\" } }\n".write(
      to: recipe, atomically: true, encoding: .utf8)
    XCTAssertThrowsError(try PipelineRun.load(recipe, overrides: [])) { XCTAssertTrue("\($0)".contains("recipe_dir"), "\($0)") }
  }
}
