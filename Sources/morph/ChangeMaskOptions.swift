import ArgumentParser
import MorphImaging
import MorphModels

/// `--mask-low` … `--mask-feather`: the change mask of `homointerp-masked` and
/// `homointerp-redraw`, so settings can be compared on the same pairs as the stage's `mask_*`
/// parameters are set. Each option left out keeps the method's own default (`ChangeMask()`
/// for masked, `ChangeMask.redraw` for redraw).
struct ChangeMaskOptions: ParsableArguments {
  @Option(help: "homointerp-masked/-redraw: change (largest channel difference, 0…1) below which a pixel keeps the photo (default 0.01 masked, 0.05 redraw).")
  var maskLow: Float?
  @Option(help: "homointerp-masked/-redraw: change from which a pixel is wholly the edited face (default 0.04 masked, 0.15 redraw).")
  var maskHigh: Float?
  @Option(help: "homointerp-masked/-redraw: blur radius before thresholding, as a fraction of the width (default 0.01).")
  var maskSmoothing: Double?
  @Option(help: "homointerp-masked/-redraw: how far the mask grows past a change, as a fraction of the width (default 0.03 masked, 0.02 redraw).")
  var maskGrow: Double?
  @Option(help: "homointerp-masked/-redraw: blur radius of the mask's edge, as a fraction of the width (default 0.03).")
  var maskFeather: Double?

  /// The mask of the method named `name`: its default with the options given laid over it;
  /// a usage error when the result is not a valid mask (naming the defaults that filled in).
  func mask(for name: String) throws -> ChangeMask {
    let mode = HomoInterpEvalMethod.Mode(rawValue: name)
    let mask = mask(over: mode?.defaultMask ?? ChangeMask())
    // Only the composed methods read a mask; the others ignore it.
    guard mode == .masked || mode == .redraw else { return mask }
    let filled = "options not given keep \(name)'s defaults"
    if let problem = mask.thresholdProblem { throw ValidationError("--mask-low/--mask-high: \(problem) (\(filled))") }
    if let problem = mask.radiusProblem { throw ValidationError("--mask-smoothing/--mask-grow/--mask-feather: \(problem) (\(filled))") }
    return mask
  }

  /// `defaults` with the options given laid over it.
  func mask(over defaults: ChangeMask) -> ChangeMask {
    ChangeMask(
      low: maskLow ?? defaults.low, high: maskHigh ?? defaults.high, smoothing: maskSmoothing ?? defaults.smoothing,
      grow: maskGrow ?? defaults.grow, feather: maskFeather ?? defaults.feather)
  }
}
