import Foundation
import MorphTensor

extension HomoInterpModel {
  /// The mean of several models' weights (and buffers), tensor by tensor: a checkpoint average
  /// over the tail of a run. Snapshots of one run taken a few thousand steps apart differ mostly
  /// in the directions their last judges pulled them; their mean keeps what they share. All
  /// models must have the same configuration (`names` label them in the error).
  public static func averaging(_ models: [HomoInterpModel], names: [String]? = nil) throws -> HomoInterpModel {
    guard let first = models.first else { throw HomoInterpError.badConfig("checkpoint average: no models given") }
    let label = { (i: Int) in names.flatMap { $0.indices.contains(i) ? $0[i] : nil } ?? "model \(i + 1)" }
    for (i, model) in models.enumerated().dropFirst() where model.config != first.config {
      throw HomoInterpError.badConfig(
        "checkpoint average: \(label(i)) has another configuration than \(label(0)) (only snapshots of one model can be averaged)")
    }
    let states = models.map { $0.stateDict() }
    var mean: [String: Tensor] = [:]
    let scale = 1 / Double(models.count)
    for (name, tensor) in states[0] {
      // Summed in Double, so the mean of n equal tensors is that tensor to the last bit.
      var sum = [Double](repeating: 0, count: tensor.count)
      for state in states {
        guard let other = state[name], other.shape == tensor.shape else {
          throw HomoInterpError.badConfig("checkpoint average: tensor '\(name)' differs in shape between the models")
        }
        other.scalars.withUnsafeBufferPointer { values in
          for i in 0..<values.count { sum[i] += Double(values[i]) }
        }
      }
      mean[name] = Tensor(shape: tensor.shape, scalars: sum.map { Float($0 * scale) })
    }
    return try assembled(config: first.config, state: mean, training: false)
  }
}
