import Foundation
import MorphModels
import MorphTensor

/// The server's one HomoInterp model, used by one request at a time.
///
/// Every model call runs as a block on one serial dispatch queue, so concurrent requests wait
/// their turn in arrival order: a model's layers keep mode flags (batch norm's eval/train) and
/// the engine's scratch buffers that two calls must not share, and on a small machine two
/// forward passes at once would only split the same cores. Waiting happens off Swift's
/// cooperative threads (a continuation resumes when the block ends), so HTTP I/O goes on
/// while the model works. The face detector runs on the same queue for the same reason.
final class ModelQueue: @unchecked Sendable {
  // @unchecked: `model` is a non-Sendable class, touched only inside blocks on `queue`.
  private let model: HomoInterpModel
  private let queue = DispatchQueue(label: "morph.serve.model", qos: .userInitiated)
  let config: HomoInterpConfig

  /// The model is used as the pipeline's stages use it (no mode is changed here), so a slider's
  /// image is the pixels `homointerp.interpolate` + `homointerp.decode` give.
  init(model: HomoInterpModel) {
    self.model = model
    config = model.config
  }

  /// Runs `body` with exclusive use of the model, after the calls queued before it.
  func run<T: Sendable>(_ body: @escaping @Sendable (HomoInterpModel) throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.async { continuation.resume(with: Result { try body(self.model) }) }
    }
  }

  /// Runs CPU-heavy work that needs no model (detection, sheets, animations) in the same line.
  func serial<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
      queue.async { continuation.resume(with: Result { try body() }) }
    }
  }
}
