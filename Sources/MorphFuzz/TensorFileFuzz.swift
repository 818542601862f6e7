import Foundation
import MorphNN

/// Weight files: safetensors and PyTorch checkpoints, decoded from memory with the limits a
/// real load uses.
enum TensorFileFuzz {
  static func safetensors(_ bytes: [UInt8]) {
    expectOnly(SafetensorsError.self) { _ = try Safetensors.decode(Data(bytes), file: "fuzz.safetensors") }
  }

  static func torch(_ bytes: [UInt8]) {
    expectOnly(TorchCheckpointError.self) { _ = try TorchCheckpoint.decode(Data(bytes), file: "fuzz.pth") }
  }
}
