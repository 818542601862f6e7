import MorphNN
import MorphTensor

/// The branch outputs of one (source, reference) pair, kept so that moving a strength costs a
/// weighted sum and a decode instead of every branch again (`morph serve`'s sliders): the
/// outputs `T_k(F_b − F_a)` do not depend on the strengths.
public struct HomoInterpBranches: Sendable {
  /// The source latent `[1, C, s, s]`, row-major.
  public var source: [Float]
  /// `T_k(reference − source)` per branch (groups, then the residual branch), each `[1, C, s, s]`.
  public var outputs: [[Float]]
  public var shape: [Int]
}

extension HomoInterpModel {
  /// Every branch's output for one source and one reference latent (`[1, C, s, s]` each),
  /// computed as `interpolate(source:reference:strengths:)` computes it.
  public func interpolationBranches(source: Tensor, reference: Tensor) throws -> HomoInterpBranches {
    try checkLatent(source, "interpolationBranches(source:)")
    try checkLatent(reference, "interpolationBranches(reference:)")
    guard source.shape[0] == 1, reference.shape[0] == 1 else {
      throw HomoInterpError.badShape(operation: "interpolationBranches", expected: "one latent [1, …] each", found: source.shape)
    }
    let outputs: [[Float]] = try withoutGrad {
      let all = try interpolator.branchOutputs(source: source, reference: reference, indices: Array(0..<interpolator.branchCount))
      return (0..<interpolator.branchCount).map { all[$0]?.scalars ?? [] }
    }
    return HomoInterpBranches(source: source.scalars, outputs: outputs, shape: source.shape)
  }

  /// `F_a + Σ_k v_k · T_k` from cached branch outputs: the same values as
  /// `interpolate(source:reference:strengths:residualStrength:)` for that pair (the same
  /// operations in the same order, zero strengths skipped alike), at the cost of the sum.
  public func interpolate(_ branches: HomoInterpBranches, strengths: [Float], residualStrength: Float? = nil) throws -> Tensor {
    let g = config.groups.count
    guard strengths.count == g, strengths.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 2 }) else {
      throw HomoInterpError.badStrengths(expected: g, found: strengths)
    }
    let residual = residualStrength ?? (strengths.min() ?? 0)
    guard residual.isFinite, residual >= 0, residual <= 2 else { throw HomoInterpError.badStrengths(expected: g, found: strengths + [residual]) }
    let row = config.hasResidualBranch ? strengths + [residual] : strengths
    guard branches.outputs.count == row.count else {
      throw HomoInterpError.badShape(operation: "interpolate(branches:)", expected: "\(row.count) branch outputs", found: [branches.outputs.count])
    }
    return withoutGrad {
      var out = Tensor(shape: branches.shape, scalars: branches.source)
      for (k, v) in row.enumerated() where v != 0 && !branches.outputs[k].isEmpty {
        let t = Tensor(shape: branches.shape, scalars: branches.outputs[k])
        out = out + Tensor(shape: [1, 1, 1, 1], scalars: [v]) * t
      }
      return out
    }
  }
}
