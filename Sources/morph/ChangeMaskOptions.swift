import ArgumentParser
import MorphImaging

/// `--mask-low` … `--mask-feather`: the change mask of `homointerp-masked` (defaults: `ChangeMask()`),
/// so settings can be compared on the same pairs as the stage's `mask_*` parameters are set.
struct ChangeMaskOptions: ParsableArguments {
  private static let defaults = ChangeMask()

  @Option(help: "homointerp-masked: change (largest channel difference, 0…1) below which a pixel keeps the photo.")
  var maskLow: Float = defaults.low
  @Option(help: "homointerp-masked: change from which a pixel is wholly the edited face.")
  var maskHigh: Float = defaults.high
  @Option(help: "homointerp-masked: blur radius before thresholding, as a fraction of the width.")
  var maskSmoothing: Double = defaults.smoothing
  @Option(help: "homointerp-masked: how far the mask grows past a change, as a fraction of the width.")
  var maskGrow: Double = defaults.grow
  @Option(help: "homointerp-masked: blur radius of the mask's edge, as a fraction of the width.")
  var maskFeather: Double = defaults.feather

  var mask: ChangeMask {
    ChangeMask(low: maskLow, high: maskHigh, smoothing: maskSmoothing, grow: maskGrow, feather: maskFeather)
  }

  func validate() throws {
    if let problem = mask.thresholdProblem { throw ValidationError("--mask-low/--mask-high: \(problem)") }
    if let problem = mask.radiusProblem { throw ValidationError("--mask-smoothing/--mask-grow/--mask-feather: \(problem)") }
  }
}
