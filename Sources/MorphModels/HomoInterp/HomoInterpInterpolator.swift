import MorphNN
import MorphTensor

/// `I`: one branch `T_i` per attribute group plus one residual branch (last; absent when
/// `config.interpolatorResidual` is false), each
/// conv3×3 → ReLU → conv3×3 → ReLU → conv3×3 at latent width: `F = F_a + Σ_i v_i · T_i(F_b − F_a)`.
/// With `config.branchesPoolGlobally` each branch adds `G_i(mean_cells(h))` at every cell to its
/// first layer's features `h` (`G_i` a 1×1 convolution, `globals.i`).
public final class HomoInterpInterpolator: Module {
  public let branches: ModuleList
  /// One 1×1 convolution per branch over the branch's pooled first-layer features (nil
  /// unless `config.branchesPoolGlobally`).
  public let globals: ModuleList?
  public let config: HomoInterpConfig
  public var isTraining = true

  init(config: HomoInterpConfig, rng: inout RandomGenerator) {
    self.config = config
    let c = config.latentChannels
    branches = ModuleList(
      (0..<config.branchCount).map { _ in
        Sequential([
          Conv2d(config.branchInputChannels, c, kernelSize: 3, padding: 1, rng: &rng), ReLU(),
          Conv2d(c, c, kernelSize: 3, padding: 1, rng: &rng), ReLU(),
          Conv2d(c, c, kernelSize: 3, padding: 1, rng: &rng),
        ])
      })
    globals =
      config.branchesPoolGlobally
      ? ModuleList((0..<config.branchCount).map { _ in Conv2d(c, c, kernelSize: 1, rng: &rng) }) : nil
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    [("branches", branches)] + (globals.map { [("globals", $0 as any Module)] } ?? [])
  }

  /// Number of strengths a call takes: one per group plus the residual branch when the
  /// configuration has one.
  public var branchCount: Int { config.branchCount }

  /// `source + Σ_k strengths[:, k] · T_k(reference − source)`; `strengths` is [N, branchCount]
  /// (the last column drives the residual branch when there is one). Branches with strength 0 for every image
  /// are skipped, so all-zero strengths return `source` itself.
  func callAsFunction(source: Tensor, reference: Tensor, strengths: Tensor) throws -> Tensor {
    let n = source.shape[0]
    guard strengths.shape == [n, branchCount] else {
      throw HomoInterpError.badShape(operation: "interpolate", expected: "strengths [\(n), \(branchCount)]", found: strengths.shape)
    }
    let input = reference - source
    var out = source
    for k in 0..<branchCount {
      let column = (0..<n).map { strengths.scalars[$0 * branchCount + k] }
      if column.allSatisfy({ $0 == 0 }) && !strengths.requiresGrad { continue }
      guard let branch = branches.modules[k] as? Sequential else { continue }
      let v = strengths.narrow(axis: 1, start: k, length: 1).reshape([n, 1, 1, 1])
      out = out + v * (try run(branch, k, input))
    }
    return out
  }

  /// Each branch in `indices` on `reference − source`, unscaled: the interpolation is `source + Σ_k v_k · T_k`, linear in the
  /// strengths once these are known, so a search over strengths runs each branch once.
  func branchOutputs(source: Tensor, reference: Tensor, indices: [Int]) throws -> [Int: Tensor] {
    let difference = reference - source
    let input = difference
    var out: [Int: Tensor] = [:]
    for k in indices {
      guard k >= 0, k < branchCount, let branch = branches.modules[k] as? Sequential else {
        throw HomoInterpError.badShape(operation: "branchOutputs", expected: "branch indices 0..<\(branchCount)", found: [k])
      }
      out[k] = try run(branch, k, input)
    }
    return out
  }

  /// Branch `k` on `input`: its layers in order, or with a pooled term after the first ReLU.
  func run(_ branch: Sequential, _ k: Int, _ input: Tensor) throws -> Tensor {
    guard let globals, let pool = globals.modules[k] as? Conv2d, branch.layers.count > 2 else { return try branch(input) }
    let h = try Sequential(Array(branch.layers[0..<2]))(input)
    let pooled = try pool(h.mean(axes: [2, 3], keepDims: true))
    return try Sequential(Array(branch.layers[2...]))(h + pooled)
  }
}
