import Foundation

/// The interpolation harness: runs methods over held-out pairs of synthetic faces and scores
/// them against the renderer's ground truth and (when given) an attribute oracle.
///
/// Sources, references and ground-truth intermediates are rendered in memory at the renderer's
/// size from the set's parameters, so every method sees exactly the same, uncompressed inputs.
public struct InterpolationEvaluation: Sendable {
  public var renderer: ToyFaceRenderer
  /// Strengths to evaluate, ascending, including 0 (reconstruction) and 1 (transfer).
  public var strengths: [Double]
  public var oracle: AttributeOracle?
  /// How many leading pairs are kept for the sample sheet.
  public var samplePairs: Int

  public init(renderer: ToyFaceRenderer, strengths: [Double], oracle: AttributeOracle?, samplePairs: Int = 4) throws {
    guard strengths.first == 0, strengths.last == 1, zip(strengths, strengths.dropFirst()).allSatisfy({ $0 < $1 }) else {
      throw ToyFaceError.badOption("strengths must rise strictly from 0 to 1, got \(strengths)")
    }
    self.renderer = renderer
    self.strengths = strengths
    self.oracle = oracle
    self.samplePairs = samplePairs
  }

  /// The outputs kept for the sample sheet: `[pair][method]` → images at each strength.
  public typealias Samples = [[[EvalImage]]]

  /// Evaluates every method on every pair (pairs in parallel); reports in `methods` order.
  public func run(methods: [InterpolationMethod], pairs: [EvalPair]) throws -> (reports: [MethodReport], samples: Samples, sources: [EvalImage], references: [EvalImage]) {
    guard !pairs.isEmpty else { throw ToyFaceError.badOption("no pairs to evaluate") }
    let results = LockedArray<[PairResult]>(count: pairs.count)
    let samples = LockedArray<[[EvalImage]]>(count: min(samplePairs, pairs.count))
    let ends = LockedArray<(EvalImage, EvalImage)>(count: min(samplePairs, pairs.count))
    let failure = LockedArray<Error>(count: 1)
    let workers = ProcessInfo.processInfo.activeProcessorCount
    DispatchQueue.concurrentPerform(iterations: workers) { worker in
      var k = worker
      while k < pairs.count, failure[0] == nil {
        do {
          let (perMethod, kept) = try evaluate(pair: pairs[k], index: k, methods: methods)
          results[k] = perMethod
          if k < samples.count {
            samples[k] = kept.outputs
            ends[k] = (kept.source, kept.reference)
          }
        } catch {
          failure[0] = error
        }
        k += workers
      }
    }
    if let error = failure[0] { throw error }
    let all = (0..<pairs.count).map { results[$0] ?? [] }
    let reports = methods.enumerated().map { m, method in
      let mine = all.map { $0[m] }
      let groups = ToyFaceAttribute.modelledGroups.compactMap { group -> GroupMetrics? in
        let subset = zip(pairs, mine).filter { $0.0.group.name == group.name }.map(\.1)
        return subset.isEmpty ? nil : aggregate(subset, name: group.name)
      }
      let outcomes = oracle == nil ? nil : zip(pairs, mine).enumerated().map { k, item in Self.outcome(item.1, pair: item.0, index: k) }
      return MethodReport(method: method.name, overall: aggregate(mine, name: "overall"), groups: groups, pairs: outcomes)
    }
    let kept = (0..<samples.count).map { samples[$0] ?? [] }
    let sources = (0..<ends.count).compactMap { ends[$0]?.0 }
    let references = (0..<ends.count).compactMap { ends[$0]?.1 }
    return (reports, kept, sources, references)
  }

  // MARK: - One pair

  struct PairResult {
    var truthPSNR: [Double] = []
    var truthSSIM: [Double] = []
    var regionPSNR: [Double?] = []
    var regionSSIM: [Double?] = []
    var reconPSNR = 0.0
    var reconSSIM = 0.0
    /// Attribute index → transferred at strength 1, for the group attributes that differ.
    var transferredAttributes: [(Int, Bool)] = []
    var transferHits: Int { transferredAttributes.filter(\.1).count }
    var transferCount: Int { transferredAttributes.count }
    /// Attribute index → preserved at strength 1, for the other-group attributes of this pair.
    var preservedAttributes: [(Int, Bool)] = []
    var preserveHits: Int { preservedAttributes.filter(\.1).count }
    var preserveCount: Int { preservedAttributes.count }
    /// Every differing group attribute transferred and every other attribute preserved (nil
    /// when no group attribute differs: such a pair has no edit to succeed at).
    var editSuccess: Bool? { transferCount > 0 ? transferHits == transferCount && preserveHits == preserveCount : nil }
    /// Attribute index → strength-0 label equals the source's, for every `ToyFaceAttribute`.
    var reconAttributes: [(Int, Bool)] = []
    var reconHits: Int { reconAttributes.filter(\.1).count }
    var r2: Double?
    var lineDeviation: Double?
    var reach: Double?
    var smoothness: PathMetrics.Smoothness?
    var progress: [Double]?
  }

  struct Kept {
    var source: EvalImage
    var reference: EvalImage
    var outputs: [[EvalImage]]
  }

  func evaluate(pair: EvalPair, index: Int, methods: [InterpolationMethod]) throws -> ([PairResult], Kept) {
    let source = EvalImage(renderer.render(pair.source))
    let reference = EvalImage(renderer.render(pair.reference))
    let truths = strengths.map {
      EvalImage(renderer.render(pair.source.moved(toward: pair.reference, group: pair.group, strength: $0)))
    }
    // The edited region: where the full-strength truth differs from the source.
    let region = ImageMetrics.differenceMask(truths[truths.count - 1], source)
    let regionOrNil = region.contains(true) ? region : nil
    let ends = try oracle?.predict([source, reference])
    var results: [PairResult] = []
    var kept: [[EvalImage]] = []
    for method in methods {
      var outputs: [EvalImage] = []
      for v in strengths {
        let out = try method.interpolate(
          InterpolationRequest(source: source, reference: reference, group: pair.group, strength: v, pairIndex: index))
        guard out.width == source.width, out.height == source.height else {
          throw ToyFaceError.badOption(
            "method \(method.name) returned \(out.width)×\(out.height) for a \(source.width)×\(source.height) input")
        }
        outputs.append(out)
      }
      var r = PairResult()
      for (out, truth) in zip(outputs, truths) {
        let map = ImageMetrics.ssimMap(out, truth)
        r.truthPSNR.append(ImageMetrics.psnr(out, truth) ?? ImageMetrics.maxPSNR)
        r.truthSSIM.append(ImageMetrics.mean(map) ?? 1)
        r.regionPSNR.append(regionOrNil.flatMap { ImageMetrics.psnr(out, truth, mask: $0) })
        r.regionSSIM.append(regionOrNil.flatMap { ImageMetrics.mean(map, mask: $0) })
      }
      r.reconPSNR = ImageMetrics.psnr(outputs[0], source) ?? ImageMetrics.maxPSNR
      r.reconSSIM = ImageMetrics.ssim(outputs[0], source) ?? 1
      if let oracle, let ends {
        let readings = try oracle.predict(outputs)
        scoreWithOracle(&r, pair: pair, source: ends[0], reference: ends[1], path: readings)
      }
      results.append(r)
      if index < samplePairs { kept.append(outputs) }
    }
    return (results, Kept(source: source, reference: reference, outputs: kept))
  }

  /// Fills the oracle-based metrics of one pair.
  func scoreWithOracle(
    _ r: inout PairResult, pair: EvalPair, source: OracleReading, reference: OracleReading, path: [OracleReading]
  ) {
    let last = path[path.count - 1]
    for a in pair.changedAttributes {
      r.transferredAttributes.append((a.index, last.label(a) == pair.reference.label(a)))
    }
    for a in pair.otherAttributes {
      r.preservedAttributes.append((a.index, last.label(a) == pair.source.label(a)))
    }
    r.reconAttributes = ToyFaceAttribute.allCases.map { ($0.index, path[0].label($0) == pair.source.label($0)) }
    let members = ToyFaceAttribute.members(of: pair.group).map(\.index)
    let d = members.map { reference.scores[$0] - source.scores[$0] }
    let norm2 = d.reduce(0) { $0 + $1 * $1 }
    if norm2 > 1e-4 {
      // Progress: projection of the score change onto the source→reference direction.
      let progress = path.map { reading in
        zip(members, d).reduce(0) { $0 + (reading.scores[$1.0] - source.scores[$1.0]) * $1.1 } / norm2
      }
      r.progress = progress
      r.reach = progress[progress.count - 1]
      r.r2 = PathMetrics.rSquared(x: strengths, y: progress)
    }
    var deviation = 0.0
    for (v, reading) in zip(strengths, path) {
      for k in members {
        let line = (1 - v) * source.scores[k] + v * reference.scores[k]
        deviation += abs(reading.scores[k] - line)
      }
    }
    r.lineDeviation = deviation / Double(max(1, strengths.count * members.count))
    r.smoothness = PathMetrics.smoothness(path.map(\.features))
  }

  // MARK: - Aggregation

  /// One pair's oracle outcome at strength 1, attributes by name.
  static func outcome(_ r: PairResult, pair: EvalPair, index: Int) -> PairOutcome {
    // Indices come from `ToyFaceAttribute.index`, the position in `allCases`.
    let names = ToyFaceAttribute.allCases
    func missed(_ list: [(Int, Bool)]) -> [String] { list.filter { !$0.1 }.map { names[$0.0].rawValue } }
    return PairOutcome(
      pair: index, group: pair.group.name, source: pair.sourceName, reference: pair.referenceName,
      notTransferred: missed(r.transferredAttributes), notPreserved: missed(r.preservedAttributes),
      editSuccess: r.editSuccess)
  }

  func aggregate(_ results: [PairResult], name: String) -> GroupMetrics {
    func mean(_ values: [Double?]) -> Double? {
      let present = values.compactMap { $0 }
      return present.isEmpty ? nil : present.reduce(0, +) / Double(present.count)
    }
    func ratio(_ hits: Int, _ count: Int) -> Double? { count > 0 ? Double(hits) / Double(count) : nil }
    let n = strengths.count
    let hasOracle = oracle != nil
    let transferPairs = results.filter { $0.transferCount > 0 }
    return GroupMetrics(
      group: name, pairs: results.count,
      transfer: hasOracle ? ratio(results.reduce(0) { $0 + $1.transferHits }, results.reduce(0) { $0 + $1.transferCount }) : nil,
      preservation: hasOracle ? ratio(results.reduce(0) { $0 + $1.preserveHits }, results.reduce(0) { $0 + $1.preserveCount }) : nil,
      transferPairs: hasOracle ? ratio(transferPairs.filter { $0.transferHits == $0.transferCount }.count, transferPairs.count) : nil,
      preservationPairs: hasOracle ? ratio(results.filter { $0.preserveHits == $0.preserveCount }.count, results.count) : nil,
      editSuccess: hasOracle ? ratio(transferPairs.filter { $0.editSuccess == true }.count, transferPairs.count) : nil,
      linearityR2: mean(results.map(\.r2)), lineDeviation: mean(results.map(\.lineDeviation)),
      reach: mean(results.map(\.reach)), pps: mean(results.map { $0.smoothness?.pps }),
      ppsEfficiency: mean(results.map { $0.smoothness?.efficiency }),
      ppsEquality: mean(results.map { $0.smoothness?.equality }),
      truthPSNR: (0..<n).map { i in mean(results.map { $0.truthPSNR[i] }) ?? 0 },
      truthSSIM: (0..<n).map { i in mean(results.map { $0.truthSSIM[i] }) ?? 0 },
      regionPSNR: (0..<n).map { i in mean(results.map { $0.regionPSNR[i] }) },
      regionSSIM: (0..<n).map { i in mean(results.map { $0.regionSSIM[i] }) },
      reconPSNR: mean(results.map(\.reconPSNR)) ?? 0, reconSSIM: mean(results.map(\.reconSSIM)) ?? 0,
      progress: (0..<n).map { i in mean(results.map { $0.progress?[i] }) },
      reconAttributes: hasOracle
        ? ratio(results.reduce(0) { $0 + $1.reconHits }, results.count * ToyFaceAttribute.allCases.count) : nil,
      reconAttributePairs: hasOracle
        ? ratio(results.filter { $0.reconHits == ToyFaceAttribute.allCases.count }.count, results.count) : nil,
      preservationByAttribute: hasOracle ? byAttribute(results, \.preservedAttributes) : nil,
      transferByAttribute: hasOracle ? byAttribute(results, \.transferredAttributes) : nil,
      reconByAttribute: hasOracle ? byAttribute(results, \.reconAttributes) : nil)
  }

  /// The share of hits per attribute name over the (attribute index, hit) lists of the pairs.
  func byAttribute(_ results: [PairResult], _ list: KeyPath<PairResult, [(Int, Bool)]>) -> [String: Double] {
    var hits = [Int: Int](), counts = [Int: Int]()
    for r in results {
      for (index, kept) in r[keyPath: list] {
        counts[index, default: 0] += 1
        if kept { hits[index, default: 0] += 1 }
      }
    }
    var out: [String: Double] = [:]
    for a in ToyFaceAttribute.allCases {
      if let c = counts[a.index], c > 0 { out[a.rawValue] = Double(hits[a.index] ?? 0) / Double(c) }
    }
    return out
  }
}
