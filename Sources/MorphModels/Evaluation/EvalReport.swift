import Foundation

/// Metrics of one method over a set of pairs (one group, or all of them).
///
/// Oracle-based fields are nil when no oracle was given. Label accuracies are fractions in [0, 1].
public struct GroupMetrics: Codable, Sendable {
  public var group: String
  public var pairs: Int
  /// (1) Share of changed group attributes whose oracle label at strength 1 equals the reference's.
  public var transfer: Double?
  /// (2) Share of other-group attributes whose oracle label at strength 1 equals the source's.
  public var preservation: Double?
  /// Share of pairs where every changed attribute transferred.
  public var transferPairs: Double?
  /// Share of pairs where every other attribute was preserved.
  public var preservationPairs: Double?
  /// (2b) Share of pairs with full transfer and full preservation at once: the headline.
  public var editSuccess: Double?
  /// (3) R² of the oracle's group progress against strength.
  public var linearityR2: Double?
  /// (3) Mean |oracle score − straight line from source score to reference score| (score units).
  public var lineDeviation: Double?
  /// (3b) How far the oracle's group scores moved toward the reference at strength 1 (0 … 1).
  public var reach: Double?
  /// (6) Perceptual path smoothness over oracle features, with its two parts.
  public var pps: Double?
  public var ppsEfficiency: Double?
  public var ppsEquality: Double?
  /// (4) Truth distance per strength (same order as `strengths`): whole image and edited region.
  public var truthPSNR: [Double]
  public var truthSSIM: [Double]
  public var regionPSNR: [Double?]
  public var regionSSIM: [Double?]
  /// (5) Reconstruction: output at strength 0 against the source.
  public var reconPSNR: Double
  public var reconSSIM: Double
  /// Mean oracle group progress per strength (0 = source scores, 1 = reference scores).
  public var progress: [Double?]
  /// Share of all attributes whose oracle label at strength 0 equals the source's: how much of
  /// the face the encoder and decoder keep, the ceiling for preservation.
  public var reconAttributes: Double?
  /// Share of pairs whose strength-0 output keeps every attribute of the source.
  public var reconAttributePairs: Double?
  /// Preservation per attribute name (other-group attributes at strength 1), to show which
  /// attributes an edit damages.
  public var preservationByAttribute: [String: Double]?
  /// Transfer per attribute name (group attributes whose labels differ), to show which
  /// attributes the edits fail to carry. Nil in reports written before it was measured.
  public var transferByAttribute: [String: Double]?
  /// Per attribute name, the share of pairs whose strength-0 output keeps the source's label:
  /// which attributes the encoder and decoder lose before any edit (`reconAttributes` per
  /// attribute). Nil in reports written before it was measured.
  public var reconByAttribute: [String: Double]?
}

/// Everything one method scored.
public struct MethodReport: Codable, Sendable {
  public var method: String
  public var overall: GroupMetrics
  public var groups: [GroupMetrics]
  /// Each pair's outcome at strength 1, in pair order (nil without an oracle, and in reports
  /// written before it was kept).
  public var pairs: [PairOutcome]?
}

/// What the oracle read on one pair at strength 1: the pair to look at when an edit fails.
public struct PairOutcome: Codable, Sendable, Equatable {
  /// Index of the pair in the evaluation (the sample sheet shows the first ones).
  public var pair: Int
  public var group: String
  public var source: String
  public var reference: String
  /// Group attributes that differ between source and reference but kept the source's label.
  public var notTransferred: [String]
  /// Attributes of other groups that lost the source's label.
  public var notPreserved: [String]
  /// Every differing group attribute transferred and every other attribute preserved (nil when
  /// no group attribute differs).
  public var editSuccess: Bool?
}

/// The result of `morph eval interpolation`: the method under test beside the reference methods.
public struct EvaluationReport: Codable, Sendable {
  public var data: String
  public var pairs: Int
  public var strengths: [Double]
  public var size: [Int]
  /// Name of the oracle, or nil when oracle-based metrics were not computed.
  public var oracle: String?
  public var methods: [MethodReport]

  public init(data: String, pairs: Int, strengths: [Double], size: [Int], oracle: String?, methods: [MethodReport]) {
    self.data = data
    self.pairs = pairs
    self.strengths = strengths
    self.size = size
    self.oracle = oracle
    self.methods = methods
  }
}
