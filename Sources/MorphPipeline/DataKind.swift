/// The kind of data flowing along a recipe edge; an output may only feed an input of the same kind.
public enum DataKind: String, Sendable, CaseIterable {
  case images, tensors, latents, records
}
