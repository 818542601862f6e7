import ArgumentParser
import Foundation
import MorphCatalog
import MorphServer

/// `morph serve`: the local viewer — sliders per attribute group over cached latents, and the
/// catalog's queries, neighbours and runs, read-only.
struct ServeCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "Open a local web viewer: per-group strength sliders over a face, and the catalog.",
    discussion: """
      Listens on 127.0.0.1 (loopback) unless --host says otherwise. The editor is at /, the catalog
      at /catalog, the JSON API under /api/ (docs/serve.md). Saved edits, sheets, animations and
      uploads go to --output; nothing else on disk is written, and the catalog is opened read-only.
      """)

  @Option(help: "HomoInterp checkpoint (.safetensors with its .json beside it).")
  var checkpoint = "Fixtures/models/homointerp-demo.safetensors"
  @Option(help: "Catalog file, opened read-only (default: \(CatalogLocation.defaultPath)).")
  var catalog: String?
  @Option(help: "Folder of face images the editor offers to pick from.")
  var faces = "Fixtures/faces/img_align_celeba"
  @Option(help: "MTCNN weights, for picking faces in uploaded photos.")
  var detector = "Fixtures/models/mtcnn.safetensors"
  @Option(help: "Folder for saved edits, sheets, animations and uploads.")
  var output = "out/serve"
  @Option(help: "Address to listen on. Anything but loopback exposes the viewer to the network.")
  var host = "127.0.0.1"
  @Option(help: "Port (0 = any free port; the URL is printed).")
  var port = 8080
  @Option(name: .customLong("latent-model"), help: "Catalog model whose stored latents references and neighbours use (default: the checkpoint's file stem).")
  var latentModel: String?
  @Option(name: .customLong("max-upload-mb"), help: "Largest upload accepted, in MB.")
  var maxUploadMB = ServeConfiguration.defaultMaxUploadBytes >> 20

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port must be within 0…65535, got \(port)") }
    guard (1...1024).contains(maxUploadMB) else { throw ValidationError("--max-upload-mb must be within 1…1024, got \(maxUploadMB)") }
  }

  func run() async throws {
    let cwd = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    func url(_ path: String) -> URL { URL(fileURLWithPath: path, relativeTo: cwd).standardizedFileURL }
    let loopback = ["127.0.0.1", "localhost", "::1"].contains(host) || host.hasPrefix("127.")
    if !loopback {
      CatalogPrinter.note(
        "morph serve: WARNING: listening on \(host), not loopback: anyone who can reach this address can use the viewer, "
          + "read the catalog's images and write into \(output). There is no login. Use it on a network you trust.")
    }
    var configuration = ServeConfiguration(
      checkpoint: url(checkpoint), catalog: CatalogLocation.resolve(catalog),
      facesFolder: FileManager.default.fileExists(atPath: url(faces).path) ? url(faces) : nil,
      detectorWeights: url(detector), outputFolder: url(output), latentModel: latentModel,
      maxUploadBytes: maxUploadMB << 20)
    configuration.loopbackHostsOnly = loopback
    let api: ServeAPI
    do { api = try ServeAPI(configuration: configuration) } catch let error as ServeError {
      throw ValidationError(error.message)
    }
    try await ServeHTTP.run(api: api, host: host, port: port) { address in
      print("morph serve: listening on \(address) (editor \(address), catalog \(address)catalog); Ctrl-C stops it")
      fflush(stdout)
    }
  }
}
