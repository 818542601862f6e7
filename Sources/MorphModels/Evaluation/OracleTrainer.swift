import Foundation
import MorphNN
import MorphTensor

/// Held-out accuracy of an oracle: per binary attribute, the share of faces whose thresholded
/// prediction equals the label, and the mean absolute error of the continuous prediction.
public struct OracleAccuracy: Codable, Sendable {
  public var faces: Int
  public var accuracy: [String: Double]
  public var meanAbsoluteError: [String: Double]
  public var minimumAccuracy: Double
  public var meanAccuracy: Double
  /// The same held-out faces seen through a model's input size (`EvalImage.throughCrop`):
  /// their labels are unchanged, so every miss here is the oracle misreading a softer face.
  /// Nil in reports written before it was measured.
  public var roundTrip: RoundTripAccuracy?
}

/// Held-out accuracy on faces resized through `size` px and back.
public struct RoundTripAccuracy: Codable, Sendable {
  public var size: Int
  public var accuracy: [String: Double]
  public var minimumAccuracy: Double
  public var meanAccuracy: Double
}

/// Trains `OracleNetwork` on freshly rendered synthetic faces.
///
/// Half of the training faces are sampled as in a face set (values clear of the threshold);
/// the other half are true intermediates (a face moved part-way toward another in one group),
/// so the oracle also reads in-between values — which the linearity metrics rely on. A share of
/// all training faces is seen through a random model size (`roundTripShare`, `roundTripSizes`):
/// an oracle trained on sharp renders only misreads thin features (eyebrow arch, mouth corners)
/// of a face that went through 64 px and back although none of its attributes changed, and
/// would then charge every 64 px model for the resolution it was given, not for its edits.
public struct OracleTrainer {
  public var trainingFaces = 12_000
  public var validationFaces = 1_000
  public var epochs = 14
  public var batchSize = 32
  public var learningRate: Float = 1e-3
  public var seed: UInt64 = 1
  /// Share of training faces resized through a random size in `roundTripSizes` and back.
  public var roundTripShare = 0.4
  public var roundTripSizes = 40...128
  /// The size the held-out faces go through for `OracleAccuracy.roundTrip`.
  public var validationRoundTripSize = 64
  /// Faces are rendered at this size, then area-resized to the network input (as in `morph eval`).
  public var renderer = ToyFaceRenderer()

  public init() {}

  /// Network inputs (bytes, N×3×80×64) and targets (N × attributes) of rendered faces.
  typealias Faces = (inputs: [UInt8], targets: [Float])

  /// How the faces of a dataset are seen: as rendered, through one fixed size, or a share of
  /// them through random sizes.
  enum Resolution {
    case rendered
    case fixed(Int)
    case random(share: Double, sizes: ClosedRange<Int>)
  }

  /// Network inputs (bytes, N×3×80×64) and targets for faces `0..<count` of `seed`.
  func dataset(count: Int, seed: UInt64, intermediates: Bool, resolution: Resolution = .rendered) throws -> Faces {
    let sampler = ToyFaceSampler()
    let groups = ToyFaceAttribute.modelledGroups
    let per = 3 * OracleNetwork.inputHeight * OracleNetwork.inputWidth
    let k = ToyFaceAttribute.allCases.count
    let inputs = LockedArray<[UInt8]>(count: count)
    let targets = LockedArray<[Float]>(count: count)
    let failure = LockedArray<Error>(count: 1)
    let workers = ProcessInfo.processInfo.activeProcessorCount
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      var i = worker
      while i < count, failure[0] == nil {
        var p = sampler.parameters(seed: seed, index: i)
        var rng = SplitMix64(seed: seed &+ UInt64(i) &* 7919)
        if intermediates && i % 2 == 1 {
          let other = sampler.parameters(seed: seed &+ 77, index: i)
          p = p.moved(toward: other, group: groups[Int(rng.next() % UInt64(groups.count))], strength: Double(rng.next() % 1000) / 999)
        }
        do {
          var image = EvalImage(renderer.render(p))
          switch resolution {
          case .rendered: break
          case .fixed(let size): image = try image.throughCrop(size: size)
          case .random(let share, let sizes):
            // Drawn after the intermediate's draws, so the faces themselves do not depend on it.
            if Double(rng.next() % 1_000_000) / 1_000_000 < share {
              image = try image.throughCrop(size: sizes.lowerBound + Int(rng.next() % UInt64(sizes.count)))
            }
          }
          let x = OracleNetwork.input([image])
          inputs[i] = x.scalars.map { UInt8(max(0, min(255, (($0 + 0.5) * 255).rounded()))) }
          targets[i] = p.attributes.map(Float.init)
        } catch {
          failure[0] = error
        }
        i += workers
      }
    }
    if let error = failure[0] { throw error }
    var xs = [UInt8](), ys = [Float]()
    xs.reserveCapacity(count * per)
    ys.reserveCapacity(count * k)
    for i in 0..<count {
      xs += inputs[i] ?? []
      ys += targets[i] ?? []
    }
    return (xs, ys)
  }

  static func batch(_ inputs: [UInt8], _ targets: [Float], _ indices: ArraySlice<Int>) -> (Tensor, Tensor) {
    let per = 3 * OracleNetwork.inputHeight * OracleNetwork.inputWidth
    let k = ToyFaceAttribute.allCases.count
    var x = [Float](), y = [Float]()
    x.reserveCapacity(indices.count * per)
    for i in indices {
      for j in 0..<per { x.append(Float(inputs[i * per + j]) / 255 - 0.5) }
      y += targets[(i * k)..<((i + 1) * k)]
    }
    return (
      Tensor(shape: [indices.count, 3, OracleNetwork.inputHeight, OracleNetwork.inputWidth], scalars: x),
      Tensor(shape: [indices.count, k], scalars: y)
    )
  }

  /// Trains a network; `log` receives one line per epoch.
  public func train(log: (String) -> Void) throws -> (OracleNetwork, OracleAccuracy) {
    let start = Date()
    guard (0...1).contains(roundTripShare), roundTripSizes.lowerBound >= 8, validationRoundTripSize >= 8 else {
      throw ToyFaceError.badOption(
        "round trips need a share in [0, 1] and sizes of at least 8 px (got \(roundTripShare), \(roundTripSizes), \(validationRoundTripSize))")
    }
    let train = try dataset(
      count: trainingFaces, seed: seed, intermediates: true, resolution: .random(share: roundTripShare, sizes: roundTripSizes))
    let (valid, validRoundTrip) = try validationSets()
    log(String(format: "rendered %d training (%.0f %% through %d–%d px) and %d validation faces in %.1f s", trainingFaces, roundTripShare * 100, roundTripSizes.lowerBound, roundTripSizes.upperBound, validationFaces, Date().timeIntervalSince(start)))
    let net = OracleNetwork(seed: seed)
    let optimizer = Adam(net, learningRate: learningRate)
    var rng = RandomGenerator(seed: seed)
    var accuracy = try evaluate(net, valid, roundTrip: validRoundTrip)
    for epoch in 1...max(1, epochs) {
      net.train()
      // Step decay: full rate for the first 60 % of epochs, then 0.3×, and 0.1× for the last 15 %.
      let progress = Double(epoch) / Double(epochs)
      optimizer.learningRate = learningRate * (progress > 0.85 && epochs > 2 ? 0.1 : progress > 0.6 ? 0.3 : 1)
      let order = rng.permutation(trainingFaces)
      var total = 0.0, batches = 0
      for b in stride(from: 0, to: order.count, by: batchSize) {
        let (x, y) = Self.batch(train.inputs, train.targets, order[b..<min(b + batchSize, order.count)])
        let loss = mseLoss(try net(x), y)
        optimizer.zeroGrad()
        try loss.backward()
        optimizer.step()
        total += Double(loss.item)
        batches += 1
      }
      accuracy = try evaluate(net, valid, roundTrip: validRoundTrip)
      log(String(
        format: "epoch %d: train MSE %.5f, held-out accuracy min %.4f mean %.4f, through %d px min %.4f mean %.4f (%.0f s)",
        epoch, total / Double(max(1, batches)), accuracy.minimumAccuracy, accuracy.meanAccuracy, validationRoundTripSize,
        accuracy.roundTrip?.minimumAccuracy ?? 0, accuracy.roundTrip?.meanAccuracy ?? 0, Date().timeIntervalSince(start)))
    }
    return (net, accuracy)
  }

  /// The held-out report of any oracle network (e.g. one trained before round trips): the
  /// validation faces of `seed`, as rendered and through `validationRoundTripSize`.
  public func heldOutAccuracy(of net: OracleNetwork) throws -> OracleAccuracy {
    let (rendered, roundTrip) = try validationSets()
    return try evaluate(net, rendered, roundTrip: roundTrip)
  }

  /// The validation faces of `seed`, as rendered and through `validationRoundTripSize`.
  func validationSets() throws -> (rendered: Faces, roundTrip: Faces) {
    let validSeed = seed &+ 1_000_003
    return (
      try dataset(count: validationFaces, seed: validSeed, intermediates: false),
      try dataset(count: validationFaces, seed: validSeed, intermediates: false, resolution: .fixed(validationRoundTripSize))
    )
  }

  /// Per-attribute accuracy on a held-out set, and on the same faces through `validationRoundTripSize`.
  func evaluate(_ net: OracleNetwork, _ data: Faces, roundTrip: Faces) throws -> OracleAccuracy {
    let (hits, error, n) = try Self.score(net, data)
    let (roundTripHits, _, _) = try Self.score(net, roundTrip)
    let names = ToyFaceAttribute.allCases.map(\.rawValue)
    let acc = hits.map { Double($0) / Double(max(1, n)) }
    let roundTripAcc = roundTripHits.map { Double($0) / Double(max(1, n)) }
    return OracleAccuracy(
      faces: n, accuracy: Dictionary(uniqueKeysWithValues: zip(names, acc)),
      meanAbsoluteError: Dictionary(uniqueKeysWithValues: zip(names, error.map { $0 / Double(max(1, n)) })),
      minimumAccuracy: acc.min() ?? 0, meanAccuracy: acc.reduce(0, +) / Double(max(1, acc.count)),
      roundTrip: RoundTripAccuracy(
        size: validationRoundTripSize, accuracy: Dictionary(uniqueKeysWithValues: zip(names, roundTripAcc)),
        minimumAccuracy: roundTripAcc.min() ?? 0, meanAccuracy: roundTripAcc.reduce(0, +) / Double(max(1, roundTripAcc.count))))
  }

  /// Per attribute: faces whose thresholded prediction equals the label, and the summed
  /// absolute error; and the number of faces.
  static func score(_ net: OracleNetwork, _ data: Faces) throws -> (hits: [Int], error: [Double], faces: Int) {
    net.eval()
    defer { net.train() }
    let k = ToyFaceAttribute.allCases.count
    let n = data.targets.count / k
    var hits = [Int](repeating: 0, count: k)
    var error = [Double](repeating: 0, count: k)
    try withoutGrad {
      for b in stride(from: 0, to: n, by: 64) {
        let idx = Array(b..<min(b + 64, n))
        let (x, y) = batch(data.inputs, data.targets, idx[...])
        let pred = try net(x)
        for r in 0..<idx.count {
          for a in 0..<k {
            let p = pred.scalars[r * k + a], t = y.scalars[r * k + a]
            if (p >= 0.5) == (t >= 0.5) { hits[a] += 1 }
            error[a] += Double(abs(p - t))
          }
        }
      }
    }
    return (hits, error, n)
  }
}
