import Foundation
import MorphNN
import MorphTensor

/// The oracle's attribute-regression CNN: four 3×3 conv + ReLU + 2×2 max-pool blocks
/// (16, 32, 64, 64 channels) on a 3×80×64 input, a 128-unit hidden layer (the features used
/// for path smoothness) and one linear output per modelled attribute (its parameter in [0, 1]).
public final class OracleNetwork: Layer {
  public static let inputWidth = 64
  public static let inputHeight = 80
  public static let featureCount = 128

  public let trunk: Sequential
  public let hidden: Linear
  public let head: Linear
  public var isTraining = true

  public init(seed: UInt64) {
    var rng = RandomGenerator(seed: seed)
    trunk = Sequential([
      Conv2d(3, 16, kernelSize: 3, padding: 1, rng: &rng), ReLU(), MaxPool2d(),
      Conv2d(16, 32, kernelSize: 3, padding: 1, rng: &rng), ReLU(), MaxPool2d(),
      Conv2d(32, 64, kernelSize: 3, padding: 1, rng: &rng), ReLU(), MaxPool2d(),
      Conv2d(64, 64, kernelSize: 3, padding: 1, rng: &rng), ReLU(), MaxPool2d(),
    ])
    hidden = Linear(64 * (Self.inputHeight / 16) * (Self.inputWidth / 16), Self.featureCount, rng: &rng)
    head = Linear(Self.featureCount, ToyFaceAttribute.allCases.count, rng: &rng)
  }

  public var localParameters: [(name: String, tensor: Tensor)] { [] }
  public var children: [(name: String, module: any Module)] {
    [("trunk", trunk), ("hidden", hidden), ("head", head)]
  }

  /// The 128 hidden features of a batch N×3×80×64.
  public func features(_ x: Tensor) throws -> Tensor {
    try hidden(try trunk(x).flatten(from: 1)).relu()
  }

  /// Predicted parameters, N × attributes.
  public func callAsFunction(_ x: Tensor) throws -> Tensor { try head(features(x)) }

  /// A batch tensor N×3×80×64 (values centred on 0) from images of any size (area-resampled).
  public static func input(_ images: [EvalImage]) -> Tensor {
    let w = inputWidth, h = inputHeight
    var scalars = [Float](repeating: 0, count: images.count * 3 * h * w)
    for (n, image) in images.enumerated() {
      let small = AreaResize.resize(image, width: w, height: h)
      for c in 0..<3 {
        for p in 0..<(w * h) { scalars[((n * 3 + c) * h * w) + p] = small.pixels[p * 3 + c] - 0.5 }
      }
    }
    return Tensor(shape: [images.count, 3, h, w], scalars: scalars)
  }
}

extension AttributeOracle {
  /// An oracle backed by a trained `OracleNetwork` (inference only; batches are serialised
  /// because one network instance is shared).
  public static func network(_ net: OracleNetwork, name: String) -> AttributeOracle {
    net.eval()
    let lock = NSLock()
    let shared = UncheckedBox(net)
    return AttributeOracle(name: name) { images in
      lock.lock()
      defer { lock.unlock() }
      return try withoutGrad {
        let x = OracleNetwork.input(images)
        let f = try shared.value.features(x)
        let y = try shared.value.head(f)
        let k = y.shape[1], m = f.shape[1]
        return (0..<images.count).map { n in
          OracleReading(
            scores: (0..<k).map { Double(y.scalars[n * k + $0]) },
            features: (0..<m).map { Double(f.scalars[n * m + $0]) })
        }
      }
    }
  }

  /// Loads an oracle checkpoint written by `OracleTrainer`.
  public static func load(_ url: URL) throws -> AttributeOracle {
    let net = OracleNetwork(seed: 0)
    try net.load(from: url)
    return .network(net, name: url.lastPathComponent)
  }
}

/// Carries a non-Sendable reference into a `@Sendable` closure whose uses are serialised.
final class UncheckedBox<T>: @unchecked Sendable {
  let value: T
  init(_ value: T) { self.value = value }
}
