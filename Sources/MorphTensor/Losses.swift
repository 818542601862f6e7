// Losses composed from primitives; each reduces to the mean over all elements as PyTorch's
// default `reduction='mean'`.

/// Mean squared error.
public func mseLoss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
  (prediction - target).square().mean()
}

/// Mean absolute error.
public func l1Loss(_ prediction: Tensor, _ target: Tensor) -> Tensor {
  (prediction - target).abs().mean()
}

/// Binary cross-entropy on logits, stable for large |x|:
/// max(x, 0) − x·t + log(1 + e^{−|x|}) (the log-sum-exp form PyTorch uses).
public func bceWithLogitsLoss(_ logits: Tensor, _ target: Tensor) -> Tensor {
  (logits.relu() - logits * target + ((-logits.abs()).exp() + 1).log()).mean()
}
