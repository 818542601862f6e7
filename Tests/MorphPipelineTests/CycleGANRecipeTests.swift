import Foundation
import MorphImaging
import MorphModels
import MorphPipeline
import MorphTensor
import XCTest

/// The CycleGAN recipes end to end on a tiny synthetic face set: train two translators, then
/// chain them over the faces.
final class CycleGANRecipeTests: XCTestCase {
  var folder: URL!

  override func setUp() {
    folder = temporaryFolder(self)
  }

  var pipelines: URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
      .appendingPathComponent("pipelines")
  }

  func run(_ recipe: String, _ overrides: [String]) async throws -> RunReport {
    let graph = try PipelineRun.load(pipelines.appendingPathComponent(recipe), overrides: overrides)
    return try await PipelineRun(graph: graph, baseDirectory: folder, morphVersion: "test").run()
  }

  func tiny(_ out: String, _ split: [String]) -> [String] {
    ["data=faces", "out=\(out)", "size=32", "ngf=4", "ndf=4", "blocks=1", "discriminator_layers=2", "steps=3", "limit=24"] + split
  }

  func testTrainTwoTranslatorsThenChainThemInOrder() async throws {
    _ = try ToyFaceSetWriter(seed: 5).write(count: 30, to: folder.appendingPathComponent("faces"))
    let first = try await run("train-cyclegan.yaml", tiny("out/smile", ["group=", "attribute=Smiling"]))
    XCTAssertEqual(first.status, .succeeded, first.summary)
    let second = try await run("train-cyclegan.yaml", tiny("out/expr", []))
    XCTAssertEqual(second.status, .succeeded, second.summary)
    let smile = folder.appendingPathComponent("out/smile/cyclegan.safetensors")
    let expr = folder.appendingPathComponent("out/expr/cyclegan.safetensors")
    XCTAssertEqual(try CycleGANModel.readInfo(CycleGANModel.checkpointPaths(smile).metadata).step, 3)
    XCTAssertEqual(try CycleGANModel.load(from: expr).config.split.name, "expression")

    // A bad split is refused with the stage named.
    do {
      let bad = try await run("train-cyclegan.yaml", tiny("out/bad", ["group=nope"]))
      XCTFail("an unknown group must be refused, got \(bad.status)")
    } catch {
      XCTAssertTrue("\(error)".contains("stage train") && "\(error)".contains("'nope'"), "\(error)")
    }

    let report = try await run(
      "cyclegan-chain.yaml",
      ["input=faces/img_align_celeba", "limit=2", "checkpoints=out/smile/cyclegan.safetensors,out/expr/cyclegan.safetensors",
       "directions=a2b,b2a", "output=out/chain"])
    XCTAssertEqual(report.status, .succeeded, report.summary)
    let names = try FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("faces/img_align_celeba").path).sorted()
    let photo = try VipsImage.load(folder.appendingPathComponent("faces/img_align_celeba/\(names[0])"))
    let strip = try VipsImage.load(folder.appendingPathComponent("out/chain/steps/\((names[0] as NSString).deletingPathExtension).png"))
    XCTAssertGreaterThan(strip.width, 3 * photo.width, "input and two steps side by side")
    let final = try VipsImage.load(folder.appendingPathComponent("out/chain/final/\((names[0] as NSString).deletingPathExtension).png"))
    XCTAssertEqual([final.width, final.height], [photo.width, photo.height])

    // The chain is smile a2b, then expression b2a — in that order, not the reverse.
    let m1 = try CycleGANModel.load(from: smile), m2 = try CycleGANModel.load(from: expr)
    let frame = EvalImage(width: photo.width, height: photo.height, bytes: try photo.srgb8().pixels())
    let x = try CycleGANFrame.input(frame, size: 32)
    let chain = try CycleGANChain(steps: [.init(model: m1, direction: .aToB), .init(model: m2, direction: .bToA)])
    let states = try chain.apply(x)
    XCTAssertEqual(states.count, 3)
    let inOrder = try m2.translate(try m1.translate(x, .aToB), .bToA)
    XCTAssertEqual(states[2].scalars, inOrder.scalars)
    let reversed = try m1.translate(try m2.translate(x, .bToA), .aToB)
    XCTAssertNotEqual(states[2].scalars, reversed.scalars)
    let expected = try CycleGANFrame.paste(states[2], into: frame)
    XCTAssertEqual(try final.srgb8().pixels(), expected.bytes, "the recipe's final image is the in-order chain")

    // cyclegan.translate: one generator, same-size output, equal to the model applied directly.
    let recipe = """
      name: translate
      stages:
        - id: photos
          uses: load
          with: {folder: faces/img_align_celeba, limit: 1}
        - id: smile
          uses: cyclegan.translate
          from: photos
          with: {checkpoint: out/smile/cyclegan.safetensors, direction: a2b}
        - id: write
          uses: save
          from: smile
          with: {folder: out/translated}
      """
    let recipeURL = folder.appendingPathComponent("translate.yaml")
    try recipe.write(to: recipeURL, atomically: true, encoding: .utf8)
    let translated = try await PipelineRun(graph: try PipelineRun.load(recipeURL, overrides: []), baseDirectory: folder, morphVersion: "test").run()
    XCTAssertEqual(translated.status, .succeeded, translated.summary)
    let one = try VipsImage.load(folder.appendingPathComponent("out/translated/\((names[0] as NSString).deletingPathExtension).png"))
    let direct = try CycleGANFrame.paste(try m1.translate(x, .aToB), into: frame)
    XCTAssertEqual(try one.srgb8().pixels(), direct.bytes)

    // A missing checkpoint names the file it looked for.
    do {
      let missing = try await run("cyclegan-chain.yaml", ["input=faces/img_align_celeba", "limit=1", "checkpoints=out/none.safetensors"])
      XCTAssertEqual(missing.status, .failed)
      XCTAssertTrue(missing.summary.contains("out/none.safetensors"), missing.summary)
    } catch {
      XCTAssertTrue("\(error)".contains("out/none.safetensors"), "\(error)")
    }
  }
}
