import ArgumentParser
import Crypto
import Foundation
import MorphCatalog
import MorphModels
import MorphNN
import MorphTensor

/// `morph import vgg19 FILE.pth`: torchvision's VGG19 as the teacher file training reads.
struct ImportVGG19Command: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "vgg19",
    abstract: "Import torchvision's VGG19 (.pth) as a safetensors teacher in torchvision key names (features.N.weight …).",
    discussion: """
      Writes the convolutions of `features` (what the perceptual and knowledge-guidance losses \
      use); `classifier.*` is left out. The file is read by Morph's restricted unpickler: \
      nothing in it is executed. Train with it: morph train homointerp --teacher F.safetensors.
      """)

  @Argument(help: "torchvision VGG19 state dict (e.g. vgg19-dcbb9e9d.pth).") var file: String
  @Option(help: "Output .safetensors file.") var out: String

  func run() throws {
    let url = URL(fileURLWithPath: file)
    let state = try TorchCheckpoint.read(url)
    let features = try VGG19Teacher.features(from: state, file: url.path)
    var tensors: [String: Tensor] = [:]
    for (name, tensor) in features.stateDict() { tensors["features." + name] = tensor }
    let target = URL(fileURLWithPath: out)
    try Safetensors.write(
      tensors, to: target,
      metadata: ["source": url.lastPathComponent, "sha256": try SHA256.hex(fileAt: url), "format": "torchvision vgg19 features"])
    let dropped = state.count - VGG19Teacher.torchvisionFeatures(state).count
    print("wrote \(target.path): \(tensors.count) tensors of VGG19 features" + (dropped > 0 ? " (\(dropped) other tensors left out)" : ""))
  }
}
