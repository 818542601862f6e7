import ArgumentParser
import Foundation
import MorphNN

/// `morph import state-dict`: any `torch.save` file's tensors as one safetensors file.
struct ImportStateDictCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "state-dict",
    abstract: "Convert the tensors of a PyTorch .pth/.pt file to a safetensors file.",
    discussion: """
      Reads both formats torch.save writes (the zip one of PyTorch 1.6 and later, and the \
      legacy one) with a restricted unpickler: only tensors, storages and (ordered) dicts, \
      lists and plain values are understood, and a file naming anything else (os.system, a \
      custom class, a whole pickled nn.Module) is refused with the byte offset of what it \
      named; nothing in it is executed. Nested dicts flatten to dotted names \
      ({"model": {"conv.weight": …}} gives model.conv.weight); every tensor is stored as \
      Float32 (or F16 with --dtype f16), and other values (epoch numbers, names) go to the \
      file's metadata as text. The output is written to a temporary file and renamed.
      """)

  @Argument(help: "The PyTorch checkpoint (.pth, .pt) to read.") var file: String
  @Option(help: "Output path (.safetensors).") var out: String
  @Option(help: "Stored precision: f32 or f16.") var dtype: String = "f32"

  func run() throws {
    guard let storage = Safetensors.DType(rawValue: dtype.uppercased()) else {
      throw ValidationError("--dtype must be f32 or f16, not '\(dtype)'")
    }
    let source = URL(fileURLWithPath: file)
    let start = Date()
    let contents = try TorchCheckpoint.load(source)
    let seconds = Date().timeIntervalSince(start)
    guard !contents.tensors.isEmpty else {
      throw ValidationError("\(file) holds no tensors (\(contents.metadata.count) other values); nothing to write")
    }
    var metadata = ["source": source.lastPathComponent, "torch_format": contents.format.rawValue]
    for (name, value) in contents.metadata { metadata["torch." + name] = value }
    let target = URL(fileURLWithPath: out)
    try Safetensors.write(contents.tensors, to: target, dtype: storage, metadata: metadata)
    let parameters = contents.tensors.values.reduce(0) { $0 + $1.count }
    let dtypes = Dictionary(grouping: contents.dtypes.values, by: { $0 }).map { "\($0.value.count) \($0.key.rawValue)" }.sorted()
    print(
      "read \(contents.tensors.count) tensors, \(parameters) parameters (\(dtypes.joined(separator: ", "))) "
        + "from \(source.lastPathComponent) (\(contents.format.rawValue) format) in \(String(format: "%.2f", seconds)) s"
        + (contents.metadata.isEmpty ? "" : "; \(contents.metadata.count) other values kept as metadata"))
    print("wrote \(target.path) (\(storage.rawValue))")
  }
}
