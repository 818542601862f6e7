import Foundation
import XCTest

/// `morph import` from the command line: the reference HomoInterpGAN fixture (random weights,
/// VGG width 4, 128 px; scripts/make-golden-homointerpgan.py) imported, then run by the
/// shipped recipes as a user would run the released model.
final class ImportCLITests: XCTestCase {
  var folder: URL!

  override func setUpWithError() throws {
    folder = FileManager.default.temporaryDirectory.appendingPathComponent("morph-cli-import-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    addTeardownBlock { [folder] in try? FileManager.default.removeItem(at: folder!) }
  }

  func morph(_ arguments: [String]) throws -> MorphProcess.Result { try MorphProcess.run(arguments, cwd: folder) }
  func root(_ path: String) -> String { MorphProcess.packageRoot.appendingPathComponent(path).path }

  /// Imports the zip-format fixture folder into `folder/ref.safetensors`.
  func importReference() throws -> String {
    let out = folder.appendingPathComponent("ref.safetensors").path
    let result = try morph(["import", "homointerpgan", root("Fixtures/homointerpgan/zip"), "--out", out])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stdout.contains("128 px, latent 32×8×8, groups expression, gender, hair_color, hair_style, age + residual branch"), result.stdout)
    return out
  }

  func testImportedReferenceRunsTranslateFolderAndMorphPair() throws {
    let checkpoint = try importReference()
    let json = try String(contentsOf: folder.appendingPathComponent("ref.json"), encoding: .utf8)
    for needle in ["\"imageNormalization\" : \"imagenet\"", "\"decoderTanh\" : false", "\"file.encoder\" : \"encoder-latest.pth\"", "\"sha256.discrim\" : \""] {
      XCTAssertTrue(json.contains(needle), "ref.json lacks \(needle)")
    }
    // Provenance: each file's SHA-256 as sha256sum computes it.
    let sum = Process()
    sum.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
    sum.arguments = [root("Fixtures/homointerpgan/zip/interp_net-latest.pth")]
    let pipe = Pipe()
    sum.standardOutput = pipe
    try sum.run()
    let digest = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).prefix(64)
    sum.waitUntilExit()
    XCTAssertTrue(json.contains("\"sha256.interp_net\" : \"\(digest)\""), "ref.json lacks the SHA-256 \(digest)")

    let faces = root("Fixtures/faces/img_align_celeba")
    let faceCount = try FileManager.default.contentsOfDirectory(atPath: faces).filter { $0.hasSuffix(".jpg") }.count
    let out = folder.appendingPathComponent("translate")
    let run = try morph([
      "run", root("pipelines/translate-folder.yaml"), "--set", "checkpoint=\(checkpoint)", "--set", "size=128",
      "--set", "input=\(faces)", "--set", "reference=\(faces)/000002.jpg", "--set", "output=\(out.path)",
      "--set", "strength.hair_color=0.5", "--set", "sweep_groups=expression, hair_style, all",
    ])
    XCTAssertEqual(run.status, 0, run.stderr + run.stdout)
    for sub in ["edited", "edited-detail", "sweeps", "animations"] {
      let files = (try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(sub).path)) ?? []
      XCTAssertEqual(files.count, faceCount, "\(sub): \(files)")
    }

    // The run stored each face's 128 px latent in the catalog under the checkpoint's stem.
    let nearest = try morph(["catalog", "nearest", "\(faces)/000001.jpg", "--model", "ref"])
    XCTAssertEqual(nearest.status, 0, nearest.stderr)
    XCTAssertTrue((nearest.stdout + nearest.stderr).contains("\(faceCount - 1) neighbours of "), nearest.stdout + nearest.stderr)

    // A group the imported model does not have is refused by name.
    let missing = try morph([
      "run", root("pipelines/translate-folder.yaml"), "--set", "checkpoint=\(checkpoint)", "--set", "size=128",
      "--set", "input=\(faces)", "--set", "reference=\(faces)/000002.jpg", "--set", "output=\(out.path)-2",
      "--set", "strength.eyes=1",
    ])
    XCTAssertNotEqual(missing.status, 0)
    XCTAssertTrue((missing.stderr + missing.stdout).contains("no attribute group `eyes`"), missing.stderr + missing.stdout)

    let pair = try morph([
      "run", root("pipelines/morph-pair.yaml"), "--set", "checkpoint=\(checkpoint)", "--set", "size=128",
      "--set", "input=\(faces)", "--set", "reference=\(faces)/000002.jpg", "--set", "output=\(folder.appendingPathComponent("pair").path)",
    ])
    XCTAssertEqual(pair.status, 0, pair.stderr + pair.stdout)
    let grids = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("pair/grid").path)) ?? []
    XCTAssertEqual(grids.count, 1, "\(grids)")
  }

  func testLabelledLatentsOfTheImportedModelGiveAPrototypeEdit() throws {
    let checkpoint = try importReference()
    let encode = try morph([
      "run", root("pipelines/encode-dataset.yaml"), "--set", "checkpoint=\(checkpoint)", "--set", "size=128",
      "--set", "root=\(root("Fixtures/faces"))",
    ])
    XCTAssertEqual(encode.status, 0, encode.stderr + encode.stdout)
    let out = folder.appendingPathComponent("prototype")
    let edit = try morph([
      "run", root("pipelines/translate-folder.yaml"), "--set", "checkpoint=\(checkpoint)", "--set", "size=128",
      "--set", "input=\(root("Fixtures/faces/img_align_celeba"))", "--set", "reference=", "--set", "prototype=Smiling",
      "--set", "output=\(out.path)",
    ])
    XCTAssertEqual(edit.status, 0, edit.stderr + edit.stdout)
    let edited = (try? FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent("edited").path)) ?? []
    XCTAssertFalse(edited.isEmpty)
  }

  func testEvalScoresTheImportedModelOnSyntheticPairs() throws {
    let checkpoint = try importReference()
    let render = try morph(["fixtures", "toyfaces", "--count", "40", "--out", "toy"])
    XCTAssertEqual(render.status, 0, render.stderr)
    let eval = try morph([
      "eval", "interpolation", "--model", "homointerp", "--checkpoint", checkpoint, "--data", "toy",
      "--oracle", root("Fixtures/models/oracle.safetensors"), "--pairs", "2", "--samples", "1", "--out", "eval",
    ])
    XCTAssertEqual(eval.status, 0, eval.stderr + eval.stdout)
    XCTAssertTrue(eval.stdout.contains("homointerp"), eval.stdout)
    XCTAssertTrue(FileManager.default.fileExists(atPath: folder.appendingPathComponent("eval/metrics.json").path))
  }

  func testImportVGG19WritesTorchvisionFeatures() throws {
    let out = folder.appendingPathComponent("vgg.safetensors").path
    let result = try morph(["import", "vgg19", root("Fixtures/homointerpgan/vgg19.pth"), "--out", out])
    XCTAssertEqual(result.status, 0, result.stderr)
    XCTAssertTrue(result.stdout.contains("32 tensors of VGG19 features"), result.stdout)
    let data = try Data(contentsOf: URL(fileURLWithPath: out))
    let header = String(decoding: data.prefix(4096), as: UTF8.self)
    XCTAssertTrue(header.contains("\"features.34.weight\"") && header.contains("\"features.0.bias\""), header)
  }

  func testAFolderWithoutTheReferenceFilesIsRefusedNamingThem() throws {
    let partial = folder.appendingPathComponent("partial")
    try FileManager.default.createDirectory(at: partial, withIntermediateDirectories: true)
    for name in ["encoder-latest.pth", "interp_net-latest.pth"] {
      try FileManager.default.copyItem(atPath: root("Fixtures/homointerpgan/zip/\(name)"), toPath: partial.appendingPathComponent(name).path)
    }
    let result = try morph(["import", "homointerpgan", partial.path, "--out", "x.safetensors"])
    XCTAssertNotEqual(result.status, 0)
    XCTAssertTrue(result.stderr.contains("decoder-latest.pth does not exist"), result.stderr)
    XCTAssertTrue(result.stderr.contains("it has encoder-latest.pth, interp_net-latest.pth"), result.stderr)
    let label = try morph(["import", "homointerpgan", root("Fixtures/homointerpgan/zip"), "--label", "best", "--out", "x.safetensors"])
    XCTAssertNotEqual(label.status, 0)
    XCTAssertTrue(label.stderr.contains("encoder-best.pth does not exist"), label.stderr)
    XCTAssertFalse(FileManager.default.fileExists(atPath: folder.appendingPathComponent("x.safetensors").path))
  }
}
