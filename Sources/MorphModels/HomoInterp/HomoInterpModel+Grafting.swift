import Foundation
import MorphTensor

extension HomoInterpModel {
  /// A copy of `base` whose interpolator branches for the named groups come from other models:
  /// `branches` maps a group name to the model whose branch (and pooled term, when the
  /// configuration has one) replaces the base's.
  ///
  /// Each group has its own branch `T_g`, and an edit of one group runs only that branch, so
  /// snapshots of a run can be combined group by group — the best hair-colour branch beside
  /// the best skin branch — provided they read and write the same latent space. That holds
  /// when the encoder and decoder are the same to the bit (a run that froze the autoencoder);
  /// anything else is refused, since a branch of one latent space means nothing in another.
  /// Encoder, decoder, critic, projection and the residual branch stay the base's. `names`
  /// labels the donors in errors.
  public static func grafting(
    _ base: HomoInterpModel, branches: [String: HomoInterpModel], names: [String: String] = [:]
  ) throws -> HomoInterpModel {
    let groups = base.config.groups.map(\.name)
    let baseState = base.stateDict()
    var state = baseState
    for (group, donor) in branches.sorted(by: { $0.key < $1.key }) {
      guard let k = groups.firstIndex(of: group) else {
        throw HomoInterpError.badConfig(
          "branch graft: the model has no group '\(group)' (it has \(groups.joined(separator: ", ")))")
      }
      try checkDonor(donor, of: base, label: names[group] ?? "the model for '\(group)'")
      let donorState = donor.stateDict()
      let prefixes = ["interpolator.branches.\(k).", "interpolator.globals.\(k)."]
      for (name, tensor) in donorState where prefixes.contains(where: { name.hasPrefix($0) }) {
        state[name] = tensor
      }
    }
    return try assembled(config: base.config, state: state, training: false)
  }

  /// Throws unless `donor` can give `base` a branch: the same configuration, and the same
  /// encoder and decoder to the bit (one latent space). `label` names the donor in the error.
  public static func checkDonor(_ donor: HomoInterpModel, of base: HomoInterpModel, label: String) throws {
    guard donor.config == base.config else {
      throw HomoInterpError.badConfig(
        "branch graft: \(label) has another configuration than the base (only snapshots of one model can be combined)")
    }
    let donorState = donor.stateDict()
    for (name, tensor) in base.stateDict() where name.hasPrefix("encoder.") || name.hasPrefix("decoder.") {
      guard let other = donorState[name], other.shape == tensor.shape, other.scalars == tensor.scalars else {
        throw HomoInterpError.badConfig(
          "branch graft: \(label) has another encoder or decoder than the base ('\(name)' differs): "
            + "its branches edit another latent space (graft only from a run whose autoencoder was frozen)")
      }
    }
  }

  /// "group from donor, …" in group order: how checkpoint metadata records a graft.
  public static func graftSummary(_ donors: [String: String]) -> String {
    donors.sorted { $0.key < $1.key }.map { "\($0.key) from \($0.value)" }.joined(separator: ", ")
  }
}
